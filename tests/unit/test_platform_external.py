"""`dvk up` against external servers: given their URLs it starts no embedded NATS or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import PROCESS_PORTS, SERVICE_PORTS, ServiceSettings
from shared.runtime.up import Platform


def test_external_urls_replace_the_embedded_servers(tmp_path: Path) -> None:
    env = {"DVK_NATS_URL": "nats://nats.tinh.example:4222",
           **{f"DVK_{s.upper()}_DATABASE_URL": f"postgresql://dvk@db.example/{s}" for s in PROCESS_PORTS}}
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


def test_a_database_url_read_from_a_mounted_secret_wins_and_none_is_an_error(
        monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "postgres-awards.url"
    secret.write_text("postgresql://dvk_awards:s3cret@awards-db:5432/dvk_awards\n")
    monkeypatch.setenv("DVK_AWARDS_DATABASE_URL", "postgresql://x/y")
    monkeypatch.setenv("DVK_AWARDS_DATABASE_URL_FILE", str(secret))
    assert ServiceSettings.for_service("awards").database_url == secret.read_text().strip()
    monkeypatch.delenv("DVK_AWARDS_DATABASE_URL")
    monkeypatch.delenv("DVK_AWARDS_DATABASE_URL_FILE")
    with pytest.raises(ValueError, match="DATABASE_URL"):
        ServiceSettings.for_service("awards")


def test_files_given_for_every_database_start_no_embedded_postgres(tmp_path: Path) -> None:
    env = {"DVK_NATS_URL": "nats://nats.tinh.example:4222",
           **{f"DVK_{s.upper()}_DATABASE_URL_FILE": str(tmp_path / s) for s in PROCESS_PORTS}}
    platform = Platform(tmp_path, base_env=env)
    platform.start_infrastructure()
    assert platform.postgres is None


def test_the_signing_secret_file_is_read_once_and_again_when_it_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.config import PlatformSettings

    secret = tmp_path / "jwt-secret"
    secret.write_text("first-secret\n")
    settings = PlatformSettings(jwt_secret_file=secret)
    assert settings.signing_secret() == "first-secret"
    reads: list[Path] = []
    original = Path.read_text

    def counting(self: Path, *args: object, **kwargs: object) -> str:
        reads.append(self)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", counting)
    assert [settings.signing_secret() for _ in range(3)] == ["first-secret"] * 3
    assert reads == [], "an unchanged secret file was read again"
    secret.write_text("rotated-secret-value\n")
    assert settings.signing_secret() == "rotated-secret-value"
    assert reads == [secret]
