"""Passwords an instance generates for itself and keeps in its data directory (mode 600).

Generated once and kept, so a restart keeps every connection valid; one file per server (NATS users,
PostgreSQL roles), readable only by whoever runs the platform.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from pathlib import Path


def private_file(path: Path, text: str) -> None:
    """Write `text` to a file no one else may read, never letting it exist with looser permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text)


def ensure_passwords(path: Path, users: Iterable[str]) -> dict[str, str]:
    """Each user's password from `path`, generating those missing."""
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = list(dict.fromkeys(users))
    if any(user not in known for user in wanted):
        known.update({user: secrets.token_urlsafe(32) for user in wanted if user not in known})
        private_file(path, json.dumps(known, indent=2))
    path.chmod(0o600)
    return {user: known[user] for user in wanted}
