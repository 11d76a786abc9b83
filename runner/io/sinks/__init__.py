"""Sinks. Importing this package registers the built-in ones."""

from runner.io.sinks import captions, eventlog, files, speaker
from runner.io.sinks.base import Sink, SinkContext, SinkGroup, create

__all__ = ["Sink", "SinkContext", "SinkGroup", "captions", "create", "eventlog", "files", "speaker"]
