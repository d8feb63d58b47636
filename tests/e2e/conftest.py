"""The platform as a user runs it: `dvk up`'s own machinery, four service processes, real servers."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.auth.principal import Role
from shared.auth.tokens import issue_token
from shared.config import PROCESS_PORTS
from shared.runtime.postgres import free_port
from shared.runtime.supervisor import Supervisor
from shared.runtime.up import Platform
from tests.conftest import LOOPBACK_RECEIVERS


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVK_")}
    env.update({f"DVK_{s.upper()}_PORT": str(free_port()) for s in PROCESS_PORTS})
    env.update({"DVK_EMBEDDED_NATS_PORT": str(free_port()), "DVK_EMBEDDED_PG_PORT": str(free_port()),
                "DVK_RELAY_POLL_SECONDS": "0.5", "DVK_INSTANCE": "e2e", "DVK_LOG_LEVEL": "WARNING",
                "DVK_WEBHOOK_ALLOWED_TARGETS": LOOPBACK_RECEIVERS,
                # in-flight messages of a killed process come back after ack_wait: keep the fault test short
                "DVK_CONSUMER_ACK_WAIT_SECONDS": "3"})
    data_dir: Path = tmp_path_factory.mktemp("platform")
    running = Platform(data_dir, base_env=env)
    stopping = threading.Event()

    def supervise(supervisor: Supervisor) -> None:
        """As `dvk up` does: whatever dies is started again while the tests go on."""
        while not stopping.wait(0.2):
            supervisor.check()

    watcher = threading.Thread(target=supervise, args=(Supervisor(running, say=print),), daemon=True)
    try:
        running.start_infrastructure()
        running.start_services()
        running.wait_ready()
        watcher.start()
        yield running
    finally:
        stopping.set()
        if watcher.is_alive():
            watcher.join(60)
        running.stop()


def bearer(platform: Platform, roles: list[Role] | None = None, org: str = "VN",
           sub: str = "e2e-user") -> dict[str, str]:
    token = issue_token(platform.secret(), subject=sub, name="Cán bộ kiểm thử", roles=roles or list(Role),
                        org_scope=org)
    return {"Authorization": f"Bearer {token}"}
