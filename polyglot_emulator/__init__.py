"""A local, wire-compatible emulator of the AWS services polyglot uses, for tests and offline rehearsals.

The real SDK clients talk to it over TLS (HTTP/2 for the event streams, HTTP/1.1 for boto3); behind it are
real engines (pocketsphinx, Apertium, espeak-ng), latency knobs and fault injection. See ``server.Emulator``.
"""

from polyglot_emulator.knobs import Fault, Knobs
from polyglot_emulator.server import Emulator

__all__ = ["Emulator", "Fault", "Knobs"]
