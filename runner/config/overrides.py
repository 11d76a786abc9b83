"""What the command line changes in a config (--input, --realtime/--fast, -o, --drain-timeout, --profile,
--region), applied once, when the config is loaded: everything after reads one resolved config."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from runner import registry
from runner.config.model import AwsConfig, ComponentChoice, PipelineConfig
from runner.options import parse

DEFAULT_OUTPUT_ROOT = Path("out")


@dataclass(frozen=True)
class Overrides:
    input: Path | None = None  # a recording (or FIFO) instead of the configured source
    realtime: bool | None = None  # a file source at its own pace (True) or as fast as the engines go (False)
    output_dir: Path | None = None  # where relative sink paths land; default out/<config file name>
    drain_timeout: float | None = None
    profile: str | None = None
    region: str | None = None

    def apply(self, config: PipelineConfig) -> PipelineConfig:
        changes: dict[str, object] = {"output_dir": self.output_dir or default_output_dir(config.file)}
        source = self._source(config.source)
        if source is not config.source:
            changes["source"] = source
        if self.drain_timeout is not None:
            changes["drain_timeout"] = self.drain_timeout
        if self.profile or self.region:
            changes["aws"] = AwsConfig(region=self.region or config.aws.region,
                                       profile=self.profile or config.aws.profile)
        return dataclasses.replace(config, **changes)  # type: ignore[arg-type]

    def _source(self, source: ComponentChoice) -> ComponentChoice:
        configured_pace = getattr(source.options, "realtime", True) if source.type == "file" else True
        if self.input is not None:
            realtime = configured_pace if self.realtime is None else self.realtime
            options = parse(registry.lookup("source", "file").options, {"path": str(self.input),
                                                                         "realtime": realtime})
            return ComponentChoice("file", options, "/source", {"path": str(self.input)}, origin="--input")
        if self.realtime is not None and source.type == "file":
            return dataclasses.replace(source, options=dataclasses.replace(source.options, realtime=self.realtime))
        return source


def default_output_dir(config_file: Path) -> Path:
    """Where a run writes without -o: out/<config file name>, so that runs of different pipelines do not write
    over each other's files."""
    return DEFAULT_OUTPUT_ROOT / config_file.stem
