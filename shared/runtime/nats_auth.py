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
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from shared.messaging.permissions import service_permissions

ADMIN_USER = "dvk-admin"
"""Operators' and tests' user: every subject, for inspecting streams and linking instances."""
CREDENTIALS_FILE = "nats-users.json"


def ensure_credentials(data_dir: Path, users: Iterable[str]) -> dict[str, str]:
    """Each user's password, generated the first time and kept: a restart keeps every connection valid."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CREDENTIALS_FILE
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = [ADMIN_USER, *users]
    if any(user not in known for user in wanted):
        known.update({user: secrets.token_urlsafe(32) for user in wanted if user not in known})
        path.touch(mode=0o600)
        path.write_text(json.dumps(known, indent=2))
    path.chmod(0o600)
    return {user: known[user] for user in wanted}


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
    _private(written[0], authorization_block(passwords, {s: declared_permissions(s) for s in names}))
    for user in [ADMIN_USER, *names]:
        path = out / f"nats-{user}.url"
        _private(path, with_credentials(url, user, passwords[user]) + "\n")
        written.append(path)
    return written


def _private(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text)
