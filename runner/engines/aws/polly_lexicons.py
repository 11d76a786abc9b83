"""The pre-run check of a target's Polly lexicons against the account (``ListLexicons``, ``GetLexicon``).

A lexicon that was never uploaded makes Polly refuse every request that names it, so the target would die at
its first utterance; one of another language than the one spoken is silently ignored. Both are config errors,
found before audio flows. The check does not upload anything itself: validate must not change the account,
and a run must not overwrite, unasked, a lexicon of the same name that someone else stored there; it says to
run ``polyglot lexicons sync``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.bounded_read import TooLarge, read_at_most
from runner.engines.base import Problem
from runner.errors import EngineUnavailable

if TYPE_CHECKING:
    from runner.engines.aws.context import AwsContext

TIMEOUT = 15.0
MAX_LEXICON_BYTES = 1 << 20  # as `polyglot lexicons sync` reads them


async def stored_lexicons(context: AwsContext, endpoint_url: str | None = None) -> dict[str, dict[str, Any]]:
    """The account's lexicons in this region: name -> attributes (LanguageCode, Size, ...)."""
    from runner.engines.aws.errors import at_startup

    client = await asyncio.to_thread(context.client, "polly", endpoint_url, TIMEOUT)
    params: dict[str, Any] = {}
    found: dict[str, dict[str, Any]] = {}
    try:
        while True:
            page = await asyncio.wait_for(asyncio.to_thread(client.list_lexicons, **params), TIMEOUT)
            found |= {lx["Name"]: lx.get("Attributes", {}) for lx in page.get("Lexicons", [])}
            if not page.get("NextToken"):
                return found
            params["NextToken"] = page["NextToken"]
    except TimeoutError as exc:
        raise EngineUnavailable(f"Amazon Polly: ListLexicons did not answer in {TIMEOUT:g}s") from exc
    except Exception as exc:
        raise at_startup(exc, "Amazon Polly") from exc


async def stored_content(context: AwsContext, name: str, endpoint_url: str | None = None) -> str | None:
    """A stored lexicon's PLS text, or None if it cannot be read back."""
    client = await asyncio.to_thread(context.client, "polly", endpoint_url, TIMEOUT)
    try:
        answer = await asyncio.wait_for(asyncio.to_thread(client.get_lexicon, Name=name), TIMEOUT)
    except Exception:  # ListLexicons just answered: a failure here is no reason to stop the run
        return None
    return str(answer.get("Lexicon", {}).get("Content", ""))


async def lexicon_problems(context: AwsContext, names: tuple[str, ...], spoken: str, voice: str, pointer: str,
                           local: dict[str, str], config_file: Path,
                           endpoint_url: str | None = None) -> list[Problem]:
    """What is wrong with a target's lexicons ``names`` for a voice speaking ``spoken``; ``local`` maps the
    config's own lexicons to their PLS files."""
    if not names:
        return []
    stored = await stored_lexicons(context, endpoint_url)
    sync = f"polyglot lexicons sync {config_file}"
    problems = []
    for name in names:
        attributes = stored.get(name)
        if attributes is None:
            fix = f"upload it: {sync}" if name in local else \
                f"define it under lexicons (a PLS file) and run {sync}, or remove it from this target"
            problems.append(Problem(pointer, f"Polly has no lexicon '{name}' in this account and region; every "
                                    f"request naming it would be refused: {fix}", code="lexicon"))
            continue
        language = attributes.get("LanguageCode", "")
        if language and language != spoken:
            problems.append(Problem(pointer, f"lexicon '{name}' is {language}, but voice {voice} speaks {spoken} "
                                    "here: Polly would ignore it", code="lexicon-language"))
        elif name in local and (mine := _read(local[name])) is not None:
            content = await stored_content(context, name, endpoint_url)
            if content is not None and content != mine:
                problems.append(Problem(pointer, f"lexicon '{name}' in the account differs from {local[name]}: "
                                        f"update it: {sync}", code="lexicon", severity="warning"))
    return problems


def _read(path: str) -> str | None:
    try:
        return read_at_most(Path(path), MAX_LEXICON_BYTES).decode("utf-8")
    except (OSError, TooLarge, UnicodeDecodeError):
        return None  # `polyglot lexicons sync` says why
