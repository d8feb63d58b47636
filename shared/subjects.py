"""The subject grammar: the one place where NATS subjects are built and read.

    dvk.<service>.<event>.<org path tokens...>._

- `<service>` is the publishing service (`registry`, `evaluation`, `awards`, `notifications`);
- `<event>` is the contract's snake-case name without version (`model_registered`);
- the org path is the unit the event is *about*, root first (`VN.15.04321`);
- the closing `_` token stands for "this unit itself". Because every subject ends with it, a single
  `>` after a unit's path selects that unit *and* its whole subtree: `dvk.*.*.VN.15.>` is everything
  about province 15 and every commune under it, and `dvk.*.*.VN.15._` is about the province alone.

Tokens are official administrative codes where they exist; `_` is reserved, so codes are letters,
digits and hyphens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROOT = "dvk"
SELF = "_"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$"
_CODE = re.compile(CODE_PATTERN)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class SubjectError(ValueError):
    pass


def check_code(code: str) -> str:
    if not _CODE.match(code):
        raise SubjectError(f"not a valid org code: {code!r}")
    return code


def join_path(parent_path: str | None, code: str) -> str:
    check_code(code)
    return f"{parent_path}.{code}" if parent_path else code


def split_path(org_path: str) -> list[str]:
    tokens = org_path.split(".")
    for token in tokens:
        check_code(token)
    return tokens


def in_subtree(org_path: str, ancestor_path: str) -> bool:
    """True when `org_path` is `ancestor_path` itself or lies below it."""
    return org_path == ancestor_path or org_path.startswith(ancestor_path + ".")


def event_subject(service: str, event: str, org_path: str) -> str:
    if not _NAME.match(service) or not _NAME.match(event):
        raise SubjectError(f"bad service or event name: {service!r}, {event!r}")
    return ".".join([ROOT, service, event, *split_path(org_path), SELF])


def subtree_filter(org_path: str, service: str = "*", event: str = "*") -> str:
    """One wildcard for every event about `org_path` and the units below it."""
    return ".".join([ROOT, service, event, *split_path(org_path), ">"])


def service_filter(service: str, event: str = "*") -> str:
    """Every event of one kind (or all kinds) a service publishes, whatever unit it is about."""
    return f"{ROOT}.{service}.{event}.>"


@dataclass(frozen=True)
class ParsedSubject:
    service: str
    event: str
    org_path: str


def parse_subject(subject: str) -> ParsedSubject:
    tokens = subject.split(".")
    if len(tokens) < 5 or tokens[0] != ROOT or tokens[-1] != SELF:
        raise SubjectError(f"not a platform event subject: {subject!r}")
    org_path = ".".join(tokens[3:-1])
    split_path(org_path)
    return ParsedSubject(service=tokens[1], event=tokens[2], org_path=org_path)


ORG_PATH_PATTERN = CODE_PATTERN.rstrip("$") + r"(\.[A-Za-z0-9][A-Za-z0-9-]{0,31})*$"
"""An org path as this grammar writes it: codes joined by dots, root first (for input validation)."""
