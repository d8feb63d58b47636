"""`dvk up` against external servers: given their URLs it starts no embedded NATS or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from shared.config import SERVICE_PORTS, ServiceSettings
from shared.runtime.up import Platform


def test_external_urls_replace_the_embedded_servers(tmp_path: Path) -> None:
    env = {"DVK_NATS_URL": "nats://nats.tinh.example:4222",
           **{f"DVK_{s.upper()}_DATABASE_URL": f"postgresql://dvk@db.example/{s}" for s in SERVICE_PORTS}}
    platform = Platform(tmp_path, base_env=env)
    platform.start_infrastructure()
    assert platform.nats is None and platform.postgres is None
    assert platform.env["DVK_NATS_URL"] == "nats://nats.tinh.example:4222"
    assert platform.env["DVK_AWARDS_DATABASE_URL"] == "postgresql://dvk@db.example/awards"
    assert Path(platform.env["DVK_JWT_SECRET_FILE"]).read_text() == platform.secret()


def test_a_service_port_comes_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DVK_AWARDS_DATABASE_URL", "postgresql://x/y")
    assert ServiceSettings.for_service("awards").port == SERVICE_PORTS["awards"]
    monkeypatch.setenv("DVK_AWARDS_PORT", "9103")
    assert ServiceSettings.for_service("awards").port == 9103
