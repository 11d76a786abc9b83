"""Broadcast outputs. Importing this package registers the built-in ones (runner.registry, kind "output")."""

from runner.outputs import hls, icecast, listeners

__all__ = ["hls", "icecast", "listeners"]
