"""The stage graph a plan describes, as ``polyglot graph`` shows it (text tree or Graphviz DOT).

The runtime is built from the same plan by :mod:`runner.runtime.build`; this module only describes it.
Secrets are masked in each label before it is quoted (DOT escapes backslashes and quotes, repr() more).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from runner import registry
from runner.engines.languages import display_name
from runner.formats import default_sample_rate
from runner.plan.plan import Plan, SinkSpec, TargetSpec
from runner.redact import masked, redact


@dataclass
class Node:
    id: str
    label: str
    kind: str  # source | stt | fanout | lane | translate | synthesize | sink | output
    children: list[Node] = field(default_factory=list)


def stage_graph(plan: Plan) -> Node:
    config = plan.config
    source_class = registry.lookup("source", config.source.type).cls
    origin = f" ({config.source.origin})" if config.source.origin else ""
    source_label = f"source: {source_class.label(masked(config.source.options))}{origin}"
    stt = Node("stt", f"speech-to-text: {config.speech_to_text.provider} ({config.language})", "stt")
    root = Node("source", source_label, "source", [stt])
    stt.children += [_sink(s, "transcript", i) for i, s in enumerate(plan.transcript_sinks)]
    if plan.event_log is not None:
        where = plan.event_log.path or "stdout"
        stt.children.append(Node("event_log", f"event log: jsonl {where} (every event)", "sink"))
    fanout = Node("fanout", f"fan-out: {len(config.targets)} lane(s)", "fanout")
    stt.children.append(fanout)
    fanout.children += [_lane(t) for t in plan.targets]
    fanout.children += [_output(plan, i) for i, spec in enumerate(plan.outputs) if spec.component is not None]
    return root


def _output(plan: Plan, i: int) -> Node:
    """A broadcast output: it reads every lane's speech at once."""
    spec = plan.outputs[i]
    assert spec.component is not None
    config = dataclasses.replace(spec.config, options=masked(spec.config.options))
    label, lines = spec.component.cls.outline(config, plan.config)
    return Node(f"output{i}", f"output: {label}", "output",
                [Node(f"output{i}_{j}", line, "sink") for j, line in enumerate(lines)])


def _lane(spec: TargetSpec) -> Node:
    t = spec.config
    key = f"t{t.index}"
    rate = t.sample_rate or default_sample_rate(t.format, t.engine)
    voice = t.voice or t.language
    speak = Node(f"{key}_tts", f"speak: {t.text_to_speech.provider} voice {voice}, {t.engine}, {t.format} "
                 f"{rate} Hz", "synthesize")
    speak.children += [_sink(s, key, i) for i, s in enumerate(spec.sinks)]
    translate = Node(f"{key}_translate", f"translate: {t.translation.provider}", "translate", [speak])
    lane = Node(key, f"{t.language} ({display_name(t.language)}): queue {t.queue.size}, {t.queue.overflow}",
                "lane", [translate])
    return lane


def _sink(spec: SinkSpec, owner: str, i: int) -> Node:
    s = spec.config
    component = registry.find("sink", s.type)
    detail = component.cls.planned(s.options, spec.path) if component is not None else str(spec.path)
    return Node(f"{owner}_sink{i}", f"{s.type} {detail}", "sink")


def to_text(root: Node) -> str:
    lines = [redact(root.label)]

    def walk(node: Node, prefix: str) -> None:
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{redact(child.label)}")
            walk(child, prefix + ("    " if last else "│   "))

    walk(root, "")
    return "\n".join(lines)


_SHAPES = {"source": "invhouse", "stt": "box", "fanout": "diamond", "lane": "box", "translate": "box",
           "synthesize": "box", "sink": "note", "output": "cds"}


def to_dot(root: Node, name: str) -> str:
    out = [f"digraph {_quote(redact(name))} {{", "  rankdir=LR;", "  node [fontname=\"Helvetica\"];"]

    def walk(node: Node) -> None:
        out.append(f"  {node.id} [label={_quote(redact(node.label))}, shape={_SHAPES[node.kind]}];")
        for child in node.children:
            walk(child)
            out.append(f"  {node.id} -> {child.id};")

    walk(root)
    out.append("}")
    return "\n".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
