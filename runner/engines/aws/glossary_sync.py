"""``polyglot glossary sync``: put a pipeline's glossary into the AWS account, as each service takes it, and only
what changed. Resource names carry a hash of their content (runner.engines.aws.glossary), so a resource that
exists is up to date: sync creates the missing ones, waits for the vocabulary to be READY, and deletes the ones
they replace (same pipeline, other hash). ``outdated`` is the check ``polyglot run`` makes before it starts."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.config.model import PipelineConfig
from runner.engines.aws.glossary import AwsResources, compile_aws, lexicon_prefix
from runner.errors import EngineUnavailable, PermanentEngineError
from runner.registry import not_installed

VOCABULARY_WAIT = 600.0  # seconds: Transcribe takes minutes to build a vocabulary


@dataclass(frozen=True)
class Change:
    action: str  # create, update, delete, unchanged
    kind: str  # vocabulary, terminology, lexicon
    name: str
    detail: str = ""

    def line(self, dry_run: bool) -> str:
        verb = {"create": "would create", "update": "would update", "delete": "would delete"}.get(
            self.action, self.action) if dry_run else {"create": "created", "update": "updated",
                                                       "delete": "deleted"}.get(self.action, self.action)
        return f"{verb} {self.kind} {self.name}" + (f" ({self.detail})" if self.detail else "")


class Account:
    """The boto3 clients sync talks to (Transcribe's control plane, Translate, Polly, S3)."""

    def __init__(self, config: PipelineConfig) -> None:
        reason = not_installed("aws", ["transcribe", "translate", "polly"])
        if reason is not None:
            raise EngineUnavailable(reason)
        from runner.engines.aws.context import context_for

        self.context = context_for(config.aws)

    def client(self, service: str) -> Any:
        if service == "s3":  # the table is a plain PUT (no aws-chunked upload, which some S3 stand-ins refuse)
            import botocore.config

            return self.context.session.client("s3", config=botocore.config.Config(
                request_checksum_calculation="when_required"))
        return self.context.client(service)


async def plan_changes(config: PipelineConfig, account: Account) -> tuple[AwsResources, list[Change]]:
    """What sync would do: every resource the glossary compiles to, and the stale ones it replaces."""
    assert config.glossary is not None
    resources = compile_aws(config.glossary, config)
    changes: list[Change] = []
    if (v := resources.vocabulary) is not None:
        transcribe = account.client("transcribe")
        found = await _call(transcribe.list_vocabularies, NameContains=resources.prefix, MaxResults=100)
        existing = {x["VocabularyName"]: x["VocabularyState"] for x in found.get("Vocabularies", [])}
        state = existing.get(v.name)
        how = f"{len(v.phrases)} phrases, {v.language_code}" + ("" if config.glossary.aws.bucket else
                                                                ", phrases only: no aws.bucket for the table")
        changes.append(Change("unchanged" if state in ("READY", "PENDING") else
                              "update" if state == "FAILED" else "create", "vocabulary", v.name, how))
        stale = re.compile(re.escape(f"{resources.prefix}-{v.language_code}-") + "[0-9a-f]{10}")
        changes += [Change("delete", "vocabulary", n) for n in existing if n != v.name and stale.fullmatch(n)]
    if (t := resources.terminology) is not None:
        translate = account.client("translate")
        listed = await _call(translate.list_terminologies, MaxResults=500)
        names = {p["Name"] for p in listed.get("TerminologyPropertiesList", [])}
        changes.append(Change("unchanged" if t.name in names else "create", "terminology", t.name,
                              f"{t.csv.count(chr(10)) - 1} terms, {t.source} -> {', '.join(t.targets)}"))
        stale = re.compile(re.escape(resources.prefix + "-") + "[0-9a-f]{10}")
        changes += [Change("delete", "terminology", n) for n in sorted(names) if n != t.name and stale.fullmatch(n)]
    if resources.lexicons:
        polly = account.client("polly")
        listed = await _call(polly.list_lexicons)
        have = {x["Name"]: x["Attributes"].get("LanguageCode") for x in listed.get("Lexicons", [])}
        wanted = {lx.name for lx in resources.lexicons.values()}
        for lx in {lx.name: lx for lx in resources.lexicons.values()}.values():
            changes.append(Change("unchanged" if lx.name in have else "create", "lexicon", lx.name, lx.language))
        stale = re.compile(re.escape(lexicon_prefix(config.display_name)) + "[0-9a-f]{8}")
        languages = {lx.language for lx in resources.lexicons.values()}
        changes += [Change("delete", "lexicon", n) for n, lang in sorted(have.items())
                    if n not in wanted and stale.fullmatch(n) and lang in languages]
    return resources, changes


async def sync(config: PipelineConfig, dry_run: bool = False,
               wait: float = VOCABULARY_WAIT) -> list[str]:
    account = Account(config)
    resources, changes = await plan_changes(config, account)
    if dry_run:
        return [c.line(True) for c in changes]
    for change in changes:
        await _apply(change, resources, config, account, wait)
    return [c.line(False) for c in changes]


async def outdated(config: PipelineConfig) -> list[str]:
    """The glossary's AWS resources that are missing (so ``polyglot glossary sync`` is due), by name."""
    _, changes = await plan_changes(config, Account(config))
    return [c.name for c in changes if c.action in ("create", "update")]


async def _apply(change: Change, resources: AwsResources, config: PipelineConfig, account: Account,
                 wait: float) -> None:
    assert config.glossary is not None
    if change.kind == "vocabulary":
        transcribe = account.client("transcribe")
        if change.action == "delete":
            await _call(transcribe.delete_vocabulary, VocabularyName=change.name)
            return
        v = resources.vocabulary
        assert v is not None
        if change.action in ("create", "update"):
            source: dict[str, Any] = {"Phrases": list(v.phrases)}
            aws = config.glossary.aws
            if aws.bucket:
                key = f"{aws.prefix}{v.name}.txt"
                await _call(account.client("s3").put_object, Bucket=aws.bucket, Key=key, Body=v.table.encode())
                source = {"VocabularyFileUri": f"s3://{aws.bucket}/{key}"}
            call = transcribe.create_vocabulary if change.action == "create" else transcribe.update_vocabulary
            await _call(call, VocabularyName=v.name, LanguageCode=v.language_code, **source)
        await _ready(transcribe, v.name, wait)
    elif change.kind == "terminology":
        translate = account.client("translate")
        if change.action == "delete":
            await _call(translate.delete_terminology, Name=change.name)
        elif change.action == "create":
            t = resources.terminology
            assert t is not None
            await _call(translate.import_terminology, Name=t.name, MergeStrategy="OVERWRITE",
                        TerminologyData={"File": t.csv.encode(), "Format": "CSV", "Directionality": "UNI"})
    else:
        polly = account.client("polly")
        if change.action == "delete":
            await _call(polly.delete_lexicon, Name=change.name)
        elif change.action == "create":
            lx = next(lx for lx in resources.lexicons.values() if lx.name == change.name)
            await _call(polly.put_lexicon, Name=lx.name, Content=lx.pls)


async def _ready(transcribe: Any, name: str, wait: float) -> None:
    """Wait for a vocabulary to be READY (Transcribe builds it in the background); FAILED says why."""
    deadline = time.monotonic() + wait
    delay = 0.2
    while True:
        got = await _call(transcribe.get_vocabulary, VocabularyName=name)
        if got["VocabularyState"] == "READY":
            return
        if got["VocabularyState"] == "FAILED":
            raise PermanentEngineError(f"Amazon Transcribe could not build vocabulary {name}: "
                                       f"{got.get('FailureReason', 'no reason given')}")
        if time.monotonic() > deadline:
            raise PermanentEngineError(f"Amazon Transcribe vocabulary {name} is not READY after {wait:g}s; "
                                       f"run sync again later")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)


async def _call(method: Callable[..., Any], **params: Any) -> Any:
    from runner.engines.aws.errors import from_botocore

    try:
        return await asyncio.to_thread(method, **params)
    except Exception as exc:
        raise from_botocore(exc, f"AWS {getattr(method, '__name__', 'call')}") from exc
