"""`dvk`: the platform's command line.

    dvk up [--demo]          start everything on the embedded defaults (or external servers)
    dvk serve SERVICE        run one service process (what `up` and docker-compose start)
    dvk token ...            issue a development bearer token
    dvk contracts            regenerate the JSON Schema catalogue of public events
    dvk dead-letters ...     list or replay a service's dead letters
    dvk audit verify         walk every stream's hash chain, name the first broken link
    dvk projections ...      list a running service's projections, or rebuild one while it serves
    dvk republish --from N   publish stored events again, with the same event ids
    dvk users ...            create, disable or list users (through the registry's API)
    dvk secrets DIR          NATS users and PostgreSQL roles, one per service, for compose or external servers
    dvk orgs import FILE     units from a CSV or XLSX (code, name, kind, parent_code), all or none
    dvk orgs import-official the country's 34 provinces and 3,321 communes since 1 July 2025
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.auth.principal import Role
from shared.config import PROCESS_PORTS, SERVICE_PORTS


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from shared.config import ServiceSettings
    from shared.runtime.apps import SERVICE_APPS

    settings = ServiceSettings.for_service(args.service)
    # uvloop and httptools: the event loop and HTTP parser in C (about a third more requests per
    # second on the same core than asyncio's loop and h11). The web application decides itself which
    # proxies' X-Forwarded-Proto it believes (DVK_WEB_TRUSTED_PROXIES), so uvicorn's own rewrite is off.
    uvicorn.run(SERVICE_APPS[args.service], factory=True, host=settings.host, port=settings.port,
                loop="uvloop", http="httptools", log_config=None, access_log=False, timeout_graceful_shutdown=5,
                proxy_headers=args.service != "web")
    return 0


def _token(args: argparse.Namespace) -> int:
    from datetime import timedelta
    from uuid import UUID

    from shared.auth.tokens import issue_token
    from shared.config import PlatformSettings
    from shared.runtime.up import default_data_dir, ensure_secret

    settings = PlatformSettings()
    if settings.jwt_secret is None and settings.jwt_secret_file is None:
        secret = ensure_secret(Path(args.data_dir) if args.data_dir else default_data_dir())
    else:
        secret = settings.signing_secret()
    print(issue_token(secret, subject=args.sub, name=args.name, roles=args.roles, org_scope=args.org,
                      issuer=settings.jwt_issuer, lifetime=timedelta(hours=args.hours),
                      org_unit_id=UUID(args.org_unit) if args.org_unit else None))
    return 0


def _contracts(_: argparse.Namespace) -> int:
    from shared.contracts.catalogue import write_catalogue

    for path in write_catalogue():
        print(path)
    return 0


def _up(args: argparse.Namespace) -> int:
    from shared.runtime.up import run_platform

    return run_platform(Path(args.data_dir) if args.data_dir else None, demo=args.demo)


def _dead_letters(args: argparse.Namespace) -> int:
    import httpx

    base = f"http://127.0.0.1:{SERVICE_PORTS[args.service]}"
    headers = {"Authorization": f"Bearer {args.token}"}
    if args.replay is None:
        r = httpx.get(f"{base}/admin/dead-letters", headers=headers)
    else:
        r = httpx.post(f"{base}/admin/dead-letters/{args.replay}/replay", headers=headers)
    print(json.dumps(r.json(), ensure_ascii=False, indent=2))
    return 0 if r.is_success else 1


def _projections(args: argparse.Namespace) -> int:
    import httpx

    headers = {"Authorization": f"Bearer {args.token}"}
    ok = True
    if args.projections_command == "list":
        for service in [args.service] if args.service else sorted(SERVICE_PORTS):
            r = httpx.get(f"http://127.0.0.1:{SERVICE_PORTS[service]}/admin/projections", headers=headers)
            print(json.dumps({service: r.json()}, ensure_ascii=False, indent=2))
            ok = ok and r.is_success
    else:
        service = args.name.split(".", 1)[0]
        if service not in SERVICE_PORTS:
            print(f"tên bảng đọc phải bắt đầu bằng tên dịch vụ — a projection name starts with its service: "
                  f"{sorted(SERVICE_PORTS)}", file=sys.stderr)
            return 2
        r = httpx.post(f"http://127.0.0.1:{SERVICE_PORTS[service]}/admin/projections/{args.name}/rebuild",
                       headers=headers, timeout=None)
        print(json.dumps(r.json(), ensure_ascii=False, indent=2))
        ok = r.is_success
    return 0 if ok else 1


def _orgs(args: argparse.Namespace) -> int:
    from shared.runtime import org_import

    if args.orgs_command == "import-official":
        return org_import.send(args.url, "/org-units/import-official", args.token, None)
    try:
        rows = org_import.read_rows(Path(args.file))
    except (OSError, ValueError, UnicodeDecodeError, KeyError) as exc:
        print(f"không đọc được tệp / cannot read the file: {exc}", file=sys.stderr)
        return 2
    body = {"rows": rows, **({"parent_id": args.parent_id} if args.parent_id else {})}
    return org_import.send(args.url, "/org-units/import", args.token, body)


def _database_url(service: str) -> str:
    """The database the service itself uses (`DVK_<SERVICE>_DATABASE_URL`), else the embedded default."""
    import os

    from shared.runtime.postgres import EmbeddedPostgres
    from shared.runtime.up import DEFAULT_PG_PORT, database_name, default_data_dir

    prefix = f"DVK_{service.upper()}_DATABASE_URL"
    if os.environ.get(prefix) or os.environ.get(f"{prefix}_FILE"):
        from shared.config import ServiceSettings

        return ServiceSettings.for_service(service).database_url
    port = int(os.environ.get("DVK_EMBEDDED_PG_PORT", DEFAULT_PG_PORT))
    return EmbeddedPostgres(default_data_dir() / "postgres", port).dsn(database_name(service))


def _audit_verify(args: argparse.Namespace) -> int:
    import asyncio

    import asyncpg

    from shared.store.audit import verify_chain

    async def run() -> int:
        broken_total = 0
        for service in [args.service] if args.service else sorted(SERVICE_PORTS):
            conn = await asyncpg.connect(_database_url(service))
            try:
                broken = await verify_chain(conn)
                streams = await conn.fetchval("select count(distinct stream_id) from events")
            finally:
                await conn.close()
            if not broken:
                print(f"{service}: chuỗi băm nguyên vẹn — every chain intact ({streams} streams)")
            for link in broken:
                print(f"{service}: GÃY — BROKEN stream={link.stream_id} version={link.version} "
                      f"position={link.position} event_id={link.event_id} problem={link.problem}: {link.detail}")
            broken_total += len(broken)
        return 1 if broken_total else 0

    return asyncio.run(run())


def _republish(args: argparse.Namespace) -> int:
    import asyncio

    import asyncpg

    from shared.store.outbox import republish_from

    async def run() -> int:
        for service in [args.service] if args.service else sorted(SERVICE_PORTS):
            conn = await asyncpg.connect(_database_url(service))
            try:
                queued = await republish_from(conn, args.from_position)
            finally:
                await conn.close()
            print(f"{service}: {queued} sự kiện được gửi lại — events queued again for its relay "
                  f"(same event ids) from position {args.from_position}")
        return 0

    return asyncio.run(run())


def _secrets(args: argparse.Namespace) -> int:
    from shared.runtime.deploy_secrets import write_secrets

    for path in write_secrets(Path(args.out), args.url, sorted(SERVICE_PORTS),
                                databases_only=sorted(set(PROCESS_PORTS) - set(SERVICE_PORTS))):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dvk", description="Dân Vận Khéo platform")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start NATS, PostgreSQL and every service")
    up.add_argument("--demo", action="store_true", help="also load the demo scenario from the seeds")
    up.add_argument("--data-dir", help="where NATS and PostgreSQL keep their data (default .dvk-data)")
    up.set_defaults(func=_up)

    serve = sub.add_parser("serve", help="run one service")
    serve.add_argument("service", choices=sorted(PROCESS_PORTS))
    serve.set_defaults(func=_serve)

    token = sub.add_parser("token", help="issue a development token")
    token.add_argument("--sub", default="dev-admin")
    token.add_argument("--name", default="Quản trị phát triển")
    token.add_argument("--org", default="VN", help="org scope path, e.g. VN.15")
    token.add_argument("--org-unit", help="id of the scope unit (preferred: it survives moves and renames)")
    token.add_argument("--roles", nargs="+", default=[r.value for r in Role], choices=[r.value for r in Role])
    token.add_argument("--hours", type=float, default=12)
    token.add_argument("--data-dir")
    token.set_defaults(func=_token)

    contracts = sub.add_parser("contracts", help="regenerate the contract catalogue")
    contracts.set_defaults(func=_contracts)

    dl = sub.add_parser("dead-letters", help="list or replay dead letters of a running service")
    dl.add_argument("service", choices=sorted(SERVICE_PORTS))
    dl.add_argument("--token", required=True)
    dl.add_argument("--replay", type=int, metavar="ID")
    dl.set_defaults(func=_dead_letters)

    audit = sub.add_parser("audit", help="tamper evidence of the event stores")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="walk every stream's hash chain; exit 1 if a link is broken")
    verify.add_argument("service", nargs="?", choices=sorted(SERVICE_PORTS))
    verify.set_defaults(func=_audit_verify)

    projections = sub.add_parser("projections", help="list or rebuild the read models of running services")
    projections_sub = projections.add_subparsers(dest="projections_command", required=True)
    listing = projections_sub.add_parser("list", help="every projection and how it was last built")
    listing.add_argument("service", nargs="?", choices=sorted(SERVICE_PORTS))
    listing.add_argument("--token", required=True)
    listing.set_defaults(func=_projections)
    rebuilding = projections_sub.add_parser("rebuild", help="rebuild one projection from the log, then swap it in")
    rebuilding.add_argument("name", help="e.g. evaluation.inspections")
    rebuilding.add_argument("--token", required=True)
    rebuilding.set_defaults(func=_projections)

    republish = sub.add_parser("republish", help="publish stored events again, with the same event ids")
    republish.add_argument("--from", dest="from_position", type=int, required=True, metavar="POSITION",
                           help="the events table position to start from (1: everything)")
    republish.add_argument("service", nargs="?", choices=sorted(SERVICE_PORTS))
    republish.set_defaults(func=_republish)

    creds = sub.add_parser("secrets", aliases=["nats-credentials"],
                           help="write NATS users and PostgreSQL roles (one per service, least privilege) "
                                "for compose or external servers")
    creds.add_argument("out", help="directory for nats-*.url, nats-auth.conf and postgres-* files (mode 600)")
    creds.add_argument("--url", default="nats://nats:4222", help="the NATS server as the services reach it")
    creds.set_defaults(func=_secrets)

    orgs = sub.add_parser("orgs", help="import units into a running registry")
    orgs_sub = orgs.add_subparsers(dest="orgs_command", required=True)
    registry_url = f"http://127.0.0.1:{SERVICE_PORTS['registry']}"
    from_file = orgs_sub.add_parser("import", help="units from a CSV or XLSX: code, name, kind, parent_code")
    from_file.add_argument("file")
    from_file.add_argument("--parent-id", help="the unit rows without parent_code stand under (default: roots)")
    official = orgs_sub.add_parser("import-official", help="Vietnam's provinces and communes since 1 July 2025")
    for command in (from_file, official):
        command.add_argument("--token", required=True)
        command.add_argument("--url", default=registry_url, help=f"the registry (default {registry_url})")
        command.set_defaults(func=_orgs)

    from shared.runtime.users_cli import add_parser as add_users_parser

    add_users_parser(sub)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
