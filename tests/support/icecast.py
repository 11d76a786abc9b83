"""A real Icecast server (Debian's ``icecast2``) in a process of its own, on loopback, with its own config in a
temporary folder: for the tests and rehearsals of the ``icecast`` output. It can be stopped and started again
on the same port (a server going away mid-run)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

BINARY = "icecast2"
SHARE = Path("/usr/share/icecast2")  # the package's web and admin pages (status-json.xsl, admin XSL)


def icecast_binary() -> str | None:
    return shutil.which(BINARY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class IcecastServer:
    """``with IcecastServer(password="...") as server:`` a running icecast2 on ``server.port``."""

    def __init__(self, password: str = "test-source-pw", admin_password: str = "test-admin-pw",
                 port: int | None = None, sources: int = 16) -> None:
        self.password = password
        self.admin_password = admin_password
        self.port = port or free_port()
        self.sources = sources
        self._folder = tempfile.TemporaryDirectory(prefix="icecast-")
        self.folder = Path(self._folder.name)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> IcecastServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._folder.cleanup()

    def start(self) -> None:
        binary = icecast_binary()
        if binary is None:
            raise RuntimeError("icecast2 is not installed (Debian package icecast2)")
        logs = self.folder / "log"
        logs.mkdir(exist_ok=True)
        os.chmod(self.folder, 0o755)
        os.chmod(logs, 0o777)  # icecast refuses to run as root: as root it drops to nobody, who writes here
        config = self.folder / "icecast.xml"
        config.write_text(self._config(logs))
        self._proc = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not self._accepts():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                log = logs / "error.log"
                error = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                self.stop()
                raise RuntimeError(f"icecast2 did not start on port {self.port}: {error}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._proc = None

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def _config(self, logs: Path) -> str:
        security = ("<security><chroot>0</chroot><changeowner><user>nobody</user><group>nogroup</group>"
                    "</changeowner></security>") if os.geteuid() == 0 else "<security><chroot>0</chroot></security>"
        return f"""<icecast>
  <location>test</location><admin>test@localhost</admin><hostname>127.0.0.1</hostname>
  <limits>
    <clients>100</clients><sources>{self.sources}</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout><source-timeout>10</source-timeout>
    <burst-on-connect>0</burst-on-connect><burst-size>0</burst-size>
  </limits>
  <authentication>
    <source-password>{escape(self.password)}</source-password>
    <admin-user>admin</admin-user><admin-password>{escape(self.admin_password)}</admin-password>
  </authentication>
  <listen-socket><port>{self.port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths>
    <basedir>{SHARE}</basedir><logdir>{logs}</logdir><webroot>{SHARE / 'web'}</webroot>
    <adminroot>{SHARE / 'admin'}</adminroot><alias source="/" destination="/status.xsl"/>
  </paths>
  <logging>
    <accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel>
    <logsize>10000</logsize>
  </logging>
  {security}
</icecast>
"""
