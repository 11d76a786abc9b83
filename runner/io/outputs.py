"""The files a run writes: its own, never its inputs, and whole.

- **Its own**: a file is opened without truncating it, then locked (``flock``, exclusive); only then is it
  emptied. A second run writing the same file is refused while the first holds it, instead of the two
  truncating each other's files and splicing their lines.
- **Never an input**: a file that is one of the run's inputs (the recording, the config, a lexicon), however
  it is reached (symlink, hard link, ``--output-dir``), is refused before it is touched.
- **Whole**: text sinks append a record (a caption cue, a JSON line) with one write; if the disk fills (or the
  file grows past a limit) in the middle of it, the file is cut back to the end of the last whole record and
  the failure is raised, so the file never ends in half a cue.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from runner.errors import SinkError

FileId = tuple[int, int]  # (st_dev, st_ino): the same file, by whatever path it is reached


class OutputBusy(SinkError):
    """Another process holds the output's lock: this run must not write it (it stops before starting)."""


def file_ids(paths: Iterable[Path]) -> frozenset[FileId]:
    """The identities of the files that exist among ``paths``."""
    ids = set()
    for path in paths:
        try:
            st = path.stat()
        except (OSError, ValueError):
            continue
        ids.add((st.st_dev, st.st_ino))
    return frozenset(ids)


class OutputFile:
    def __init__(self, path: Path, name: str, inputs: frozenset[FileId] = frozenset()) -> None:
        self.path = path
        self.name = name  # how errors name this output, e.g. "srt out/es.srt"
        self.inputs = inputs
        self.fd: int | None = None
        self.size = 0  # bytes of whole records written

    def open(self) -> int:
        """Create or reuse the file, lock it, check it is not an input, empty it. Returns the descriptor."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SinkError(f"{self.name}: cannot create folder {self.path.parent}: {exc.strerror}") from exc
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise SinkError(f"{self.name}: cannot create: {exc.strerror}") from exc
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) in self.inputs:
                raise SinkError(f"{self.name}: is one of this run's inputs; writing it would destroy it")
            if stat.S_ISREG(st.st_mode):  # (a device such as /dev/null is nobody's output to guard)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = lock_holder(st.st_dev, st.st_ino)
                    by = f"another polyglot run (process {holder})" if holder else "another polyglot run"
                    raise OutputBusy(f"{self.name}: is being written by {by}; give this run another output "
                                     "folder (-o) or stop that run") from None
                os.ftruncate(fd, 0)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        self.size = 0
        return fd

    def append(self, record: bytes) -> None:
        """Write ``record`` whole, or not at all (then raise SinkError saying why)."""
        fd = self.fd
        if fd is None:
            return
        view = memoryview(record)
        try:
            while view:
                written = os.write(fd, view)
                view = view[written:]
        except OSError as exc:
            self._roll_back()
            raise SinkError(f"{self.name}: {_why(exc)}; the file ends with the last whole record") from exc
        self.size += len(record)

    def truncate(self, size: int) -> None:
        """Cut the file back to ``size`` bytes (a retracted part of a record stream)."""
        if self.fd is not None and size < self.size:
            os.ftruncate(self.fd, size)
            os.lseek(self.fd, size, os.SEEK_SET)
            self.size = size

    def _roll_back(self) -> None:
        assert self.fd is not None
        try:
            os.ftruncate(self.fd, self.size)
            os.lseek(self.fd, self.size, os.SEEK_SET)
        except OSError:
            pass  # a device (e.g. /dev/full) cannot be truncated: nothing of the record is kept there anyway

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # releases the lock


def _why(exc: OSError) -> str:
    what = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota reached", errno.EFBIG: "file size limit reached"}
    reason = exc.strerror or str(exc)
    return f"{what[exc.errno]} ({reason})" if exc.errno in what else reason


def lock_holder(dev: int, ino: int) -> int | None:
    """The process holding a flock on the file, from /proc/locks (Linux); None when it cannot be told."""
    wanted = f"{os.major(dev):02x}:{os.minor(dev):02x}:{ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted:
                    return int(fields[4])
    except (OSError, ValueError):
        pass
    return None
