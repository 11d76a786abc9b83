"""A throwaway certificate authority and a server certificate for localhost, from trustme."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme


class TestCA:
    def __init__(self, folder: Path) -> None:
        self._ca = trustme.CA(organization_name="polyglot emulator")
        self._cert = self._ca.issue_cert("localhost", "127.0.0.1", "::1")
        folder.mkdir(parents=True, exist_ok=True)
        self.ca_file = folder / "polyglot-emulator-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        return context
