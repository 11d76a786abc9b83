"""The ``icecast`` output (runner.outputs.icecast.output): each language as its own mount, pushed to a server."""

from runner.outputs.icecast import output

__all__ = ["output"]
