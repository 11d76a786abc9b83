"""The listener page (runner.outputs.listeners.server) and its live streams (connection)."""

from runner.outputs.listeners import server

__all__ = ["server"]
