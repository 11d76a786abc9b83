"""Broadcast outputs. Importing this package registers the built-in ones (runner.registry, kind "output")."""

from runner.outputs import icecast, listeners

__all__ = ["icecast", "listeners"]
