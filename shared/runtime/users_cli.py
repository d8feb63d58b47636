"""`dvk users create|disable|list`: administering users from a terminal, through the registry's API
(with an administrator's token), so the command line obeys the same scope rules as everyone else."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from shared.auth.principal import Role
from shared.config import SERVICE_PORTS


def _password(args: argparse.Namespace) -> str:
    """Read from stdin or asked for without echo: a password on the command line would stay in the
    shell's history and the process list."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != first:
        raise SystemExit("Hai lần nhập không khớp / the two entries differ")
    return first


def run(args: argparse.Namespace) -> int:
    import httpx

    base = args.registry_url or f"http://127.0.0.1:{SERVICE_PORTS['registry']}"
    headers = {"Authorization": f"Bearer {args.token}"}
    if args.users_command == "create":
        body = {"login": args.login, "name": args.name, "roles": args.roles, "org_unit_id": args.org_unit,
                "password": _password(args)}
        r = httpx.post(f"{base}/users", json=body, headers=headers, timeout=30)
    elif args.users_command == "disable":
        r = httpx.post(f"{base}/users/{args.login}/disable", headers=headers, timeout=30)
    else:
        r = httpx.get(f"{base}/users", params={"limit": args.limit, "offset": args.offset}, headers=headers,
                      timeout=30)
    print(json.dumps(r.json(), ensure_ascii=False, indent=2))
    return 0 if r.is_success else 1


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = sub.add_parser("users", help="create, disable or list users (through the registry's API)")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="add a user with an initial password (asked, or --password-stdin)")
    create.add_argument("login")
    create.add_argument("--name", required=True)
    create.add_argument("--roles", nargs="+", required=True, choices=[r.value for r in Role])
    create.add_argument("--org-unit", required=True, help="id of the scope unit")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin's first line")
    disable = users_sub.add_parser("disable", help="stop a user from signing in")
    disable.add_argument("login")
    listing = users_sub.add_parser("list", help="the users of the token's scope")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--offset", type=int, default=0)
    for parser in (create, disable, listing):
        parser.add_argument("--token", required=True, help="an administrator's bearer token")
        parser.add_argument("--registry-url", help="default: the registry on this host")
        parser.set_defaults(func=run)
