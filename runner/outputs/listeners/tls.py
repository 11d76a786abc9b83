"""HTTPS for the listener page: the organiser's certificate and key files (a certificate the phones trust:
docs/listeners.md has a recipe), checked before audio flows."""

from __future__ import annotations

import ssl
from pathlib import Path


def load_context(cert: Path, key: Path) -> ssl.SSLContext:
    """The server's TLS context; raises ValueError saying what is wrong with the files."""
    for what, path in (("certificate", cert), ("key", key)):
        if not path.is_file():
            raise ValueError(f"the {what} file {path} does not exist")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise ValueError(f"{cert} and {key} are not a PEM certificate (chain) and its private key "
                         f"({exc.reason or exc})") from None
    except OSError as exc:
        raise ValueError(f"cannot read {cert} or {key}: {exc.strerror or exc}") from None
    return context
