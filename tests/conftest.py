"""Session fixtures: a real nats-server and a real PostgreSQL on free ports, fresh databases per test."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from shared.auth.principal import Role
from shared.auth.tokens import issue_token
from shared.config import PROCESS_PORTS
from shared.hierarchy import HIERARCHY_MIGRATIONS
from shared.runtime.nats import EmbeddedNats
from shared.runtime.postgres import EmbeddedPostgres, free_port
from shared.runtime.supervisor import Supervisor
from shared.runtime.up import Platform
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate
from shared.store.wakeups import OUTBOX_WAKEUP

TEST_SECRET = "test-secret-" + "x" * 32
os.environ.setdefault("DVK_JWT_SECRET", TEST_SECRET)
LOOPBACK_RECEIVERS = '["127.0.0.1/32"]'
"""The tests' webhook receivers listen on 127.0.0.1: allowed as an agency would allow its own system
(DVK_WEBHOOK_ALLOWED_TARGETS); every other inside address stays refused."""
os.environ.setdefault("DVK_WEBHOOK_ALLOWED_TARGETS", LOOPBACK_RECEIVERS)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data", free_port(), fast_unsafe=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path_factory.mktemp("nats"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def isolated_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A nats-server of this test's own (starts in ~50 ms): durable consumers and streams of one
    test never see another's. Use it whenever a test hosts services that subscribe."""
    server = EmbeddedNats(tmp_path / "nats", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def database(postgres: EmbeddedPostgres) -> str:
    """A new, empty database for one test: tests never see each other's rows."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    return postgres.dsn(name)


@pytest.fixture
async def platform_db(database: str) -> AsyncIterator[str]:
    """A fresh database with the platform tables (events, outbox, inbox, ...) migrated, and the
    outbox's wake-up installed as a service's start installs it."""
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, [("platform", PLATFORM_MIGRATIONS), ("hierarchy", HIERARCHY_MIGRATIONS)])
        await OUTBOX_WAKEUP.install(conn)
    finally:
        await conn.close()
    yield database


def token(roles: list[Role] | None = None, org: str = "VN", sub: str = "tester") -> str:
    return issue_token(TEST_SECRET, subject=sub, name="Người kiểm thử", roles=roles or list(Role), org_scope=org)


def auth(roles: list[Role] | None = None, org: str = "VN", sub: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(roles, org, sub)}"}


ROOT = Path(__file__).resolve().parents[1]


# The platform as a user runs it (`dvk up`'s own machinery, the web and four service processes, real
# servers), shared by the e2e and browser tests so one session starts it once.
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
