"""docs/aws-iam.md's least-privilege policies match the code: each section allows every AWS operation its modules
call, and no action they do not call (but the few the service needs on the caller's behalf)."""

from __future__ import annotations

import json
import re
from functools import cache

import botocore.session
from botocore import xform_name

from tests.conftest import REPO

DOC = REPO / "docs/aws-iam.md"
# The modules behind each of the document's sections.
SECTIONS = {
    "Speech to text": ["runner/engines/aws/transcribe.py"],
    "Translation": ["runner/engines/aws/translate.py"],
    "Voices": ["runner/engines/aws/polly.py", "runner/engines/aws/polly_stream.py",
               "runner/engines/aws/polly_batch.py", "runner/engines/aws/polly_lexicons.py"],
    "Outputs": ["runner/outputs/hls/s3.py"],
    "Commands": ["runner/cli/lexicons.py", "runner/engines/aws/glossary_sync.py"],
}
SERVICES = {"polly": "polly", "translate": "translate", "transcribe": "transcribe", "s3": "s3"}
# Operations of the smithy SDKs that botocore's models do not have.
SMITHY = {"start_stream_transcription": "transcribe:StartStreamTranscription"}
# Actions the service performs with the caller's permissions, which no polyglot call names: a synthesis task's
# output and notices, the vocabulary tables Transcribe reads.
ON_BEHALF = {"Voices": {"s3:PutObject", "sns:Publish"}, "Commands": {"s3:GetObject"}}


@cache
def operations() -> dict[str, set[str]]:
    """boto3 method name -> the IAM actions it may be (service prefix:Operation)."""
    session = botocore.session.get_session()
    found: dict[str, set[str]] = {}
    for service, prefix in SERVICES.items():
        for operation in session.get_service_model(service).operation_names:
            found.setdefault(xform_name(operation), set()).add(f"{prefix}:{operation}")
    for method, action in SMITHY.items():
        found.setdefault(method, set()).add(action)
    return found


def called(paths: list[str]) -> set[str]:
    """The AWS actions the code in ``paths`` calls: a client's method, or polyglot's helper of the same name."""
    actions = set()
    for path in paths:
        for method in re.findall(r"[.\s(]([a-z]+(?:_[a-z]+)+)\b", (REPO / path).read_text()):
            candidates = operations().get(method, set())
            assert len(candidates) <= 1, (method, candidates)
            actions |= candidates
    return actions


def documented() -> dict[str, set[str]]:
    """The actions each section of the document allows."""
    sections: dict[str, set[str]] = {}
    for block in re.split(r"^## ", DOC.read_text(), flags=re.M)[1:]:
        title = block.split("\n", 1)[0].split(":")[0].strip()
        actions = sections.setdefault(title, set())
        for policy in re.findall(r"```json\n(.*?)```", block, re.S):
            for statement in json.loads(policy)["Statement"]:
                assert statement["Effect"] == "Allow"
                actions |= set(statement["Action"])
    return sections


def test_every_section_allows_what_its_code_calls_and_no_more():
    sections = documented()
    assert set(sections) == set(SECTIONS)
    for title, paths in SECTIONS.items():
        code = called(paths)
        assert code, title
        assert code <= sections[title], (title, code - sections[title])
        assert sections[title] - code <= ON_BEHALF.get(title, set()), (title, sections[title] - code)


def test_the_policies_cover_every_aws_call_in_the_code():
    everywhere = called([str(p.relative_to(REPO)) for p in (REPO / "runner").rglob("*.py")])
    allowed = set().union(*documented().values())
    assert everywhere <= allowed, everywhere - allowed
