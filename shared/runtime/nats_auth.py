"""Who may connect to the embedded NATS server: one user per service, plus the instance's
administrator, with passwords generated once into the data directory (mode 600).

The server's `authorization` block is written beside its configuration (also mode 600); an anonymous
client is refused. Each service's permissions come from its declared topology
(shared/messaging/permissions.py), so adding a consumer to a service definition extends what its user
may read without anyone editing a file. Services receive their own credentials in `DVK_NATS_URL`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from shared.messaging.permissions import service_permissions
from shared.runtime.credentials import ensure_passwords, private_file

ADMIN_USER = "dvk-admin"
"""Operators' and tests' user: every subject, for inspecting streams and linking instances."""
CREDENTIALS_FILE = "nats-users.json"


def ensure_credentials(data_dir: Path, users: Iterable[str]) -> dict[str, str]:
    """The administrator's and each service's password (shared/runtime/credentials.py)."""
    return ensure_passwords(data_dir / CREDENTIALS_FILE, [ADMIN_USER, *users])


def declared_permissions(service: str) -> dict[str, Any]:
    """A service's permissions from its own definition, imported by name as uvicorn imports its app
    (the platform never imports a service statically)."""
    definition = importlib.import_module(f"services.{service}.service").DEFINITION
    return service_permissions(service, definition.streams, definition.subscriptions)


def authorization_block(passwords: Mapping[str, str], permissions: Mapping[str, Mapping[str, Any]]) -> str:
    """The server's `authorization { users = [...] }`, in NATS's config syntax (JSON values are valid in it)."""
    users = []
    for user, password in passwords.items():
        entry: dict[str, Any] = {"user": user, "password": password}
        if user in permissions:
            entry["permissions"] = permissions[user]
        users.append(entry)
    return "authorization {\n  users = " + json.dumps(users, indent=2) + "\n}\n"


def with_credentials(url: str, user: str, password: str) -> str:
    """`nats://host:port` with a user and password, as nats-py reads them from the URL."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))


def without_credentials(url: str) -> str:
    """The same URL safe to print or log."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def write_deployment_files(out: Path, url: str, services: Iterable[str]) -> list[Path]:
    """What an external NATS server and the services' containers mount (docker-compose.yml):
    `nats-auth.conf`, included by deploy/nats/nats-server.conf, and one `nats-<service>.url` per
    service, read through `DVK_NATS_URL_FILE`. Passwords are kept in `nats-users.json` beside them,
    so running this again re-renders the files without changing anyone's password."""
    names = list(services)
    passwords = ensure_credentials(out, names)
    written = [out / "nats-auth.conf"]
    private_file(written[0], authorization_block(passwords, {s: declared_permissions(s) for s in names}))
    for user in [ADMIN_USER, *names]:
        path = out / f"nats-{user}.url"
        private_file(path, with_credentials(url, user, passwords[user]) + "\n")
        written.append(path)
    return written
