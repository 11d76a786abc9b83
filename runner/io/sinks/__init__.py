"""Sinks. Importing this package registers the built-in ones (runner.registry, kind "sink")."""

from runner.io.sinks import captions, eventlog, files, speaker
from runner.io.sinks.base import Sink, SinkContext, SinkGroup

__all__ = ["Sink", "SinkContext", "SinkGroup", "captions", "eventlog", "files", "speaker"]
