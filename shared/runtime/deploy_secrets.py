"""Every secret a compose deployment (or any external NATS and PostgreSQL) needs, generated once into
one private directory: `dvk secrets DIR`.

The same rules as the embedded defaults (shared/runtime/nats_auth.py, shared/runtime/postgres.py): each
service connects to NATS as its own least-privilege user and to PostgreSQL as its own role, owner of its
own database only; each database server's superuser has its own password. Passwords are kept in
`nats-users.json` and `postgres-passwords.json`, so running the command again (after an upgrade that
changed a service's consumers) re-renders the files without changing anyone's password.

Written, all mode 600:
- `nats-auth.conf`, `nats-<user>.url`: the NATS server's users and each service's URL (nats_auth);
- `postgres-<service>-superuser.password`: the superuser of the service's database server
  (`POSTGRES_PASSWORD_FILE` of the official image);
- `postgres-<service>.password`: the service's role `dvk_<service>`, read by
  deploy/postgres/service-role.sh when the server's volume is first created;
- `postgres-<service>.url`: the DSN the service reads through `DVK_<SERVICE>_DATABASE_URL_FILE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from shared.runtime.credentials import ensure_passwords, private_file
from shared.runtime.nats_auth import write_deployment_files
from shared.runtime.up import database_name

POSTGRES_PASSWORDS_FILE = "postgres-passwords.json"


def _superuser_key(service: str) -> str:
    return f"{service}-superuser"


def write_postgres_secrets(out: Path, services: Iterable[str],
                           host_of: str = "{service}-db", port: int = 5432) -> list[Path]:
    """Each service's role password, its server's superuser password and the service's DSN; the host
    is compose's database service by default (`registry-db`)."""
    names = list(services)
    passwords = ensure_passwords(out / POSTGRES_PASSWORDS_FILE,
                                 [key for s in names for key in (database_name(s), _superuser_key(s))])
    written: list[Path] = []
    for service in names:
        role = database_name(service)
        files = {
            f"postgres-{service}-superuser.password": passwords[_superuser_key(service)],
            f"postgres-{service}.password": passwords[role],
            f"postgres-{service}.url": f"postgresql://{role}:{quote(passwords[role], safe='')}"
                                       f"@{host_of.format(service=service)}:{port}/{role}",
        }
        for name, text in files.items():
            private_file(out / name, text + "\n")
            written.append(out / name)
    return written


def write_secrets(out: Path, nats_url: str, services: Iterable[str],
                  databases_only: Iterable[str] = ()) -> list[Path]:
    """NATS users and PostgreSQL roles for every service, into `out`; `databases_only` names processes
    with a database but no NATS user (the web application keeps its sessions but handles no events)."""
    names = list(services)
    return [*write_deployment_files(out, nats_url, names), *write_postgres_secrets(out, [*names, *databases_only])]
