"""The shared pieces of the command path and of every list, against a real PostgreSQL and a real ASGI app:
commands dispatched by class, pages with their total, the documented error statuses, the body limit,
and the database wake-ups declared in service definitions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY
from pydantic import BaseModel

from shared.auth.dependencies import Reader
from shared.commands import CommandHandlers, Transaction
from shared.config import PlatformSettings
from shared.http.body_limit import BodyLimitMiddleware
from shared.http.errors import MAX_BODY_BYTES, install_error_handlers
from shared.http.input import CommandInput
from shared.http.middleware import ObservabilityMiddleware
from shared.http.openapi import install_openapi
from shared.http.pages import MAX_LIMIT, Page, PageParams, Paging, fetch_page
from shared.store.wakeups import OUTBOX_WAKEUP, Wakeup
from tests.conftest import auth

pytestmark = pytest.mark.integration


class Rename(CommandInput):
    name: str


class Renamed(BaseModel):
    name: str


class Row(BaseModel):
    id: int
    label: str


def test_a_command_class_has_one_handler_and_an_unknown_one_is_named() -> None:
    handlers = CommandHandlers()

    @handlers.handles(Rename, status=200, retries_on_conflict=2)
    async def rename(cmd: Rename, tx: Transaction) -> Renamed:
        return Renamed(name=cmd.name)

    registration = handlers.registration(Rename)
    assert (registration.handler, registration.success_status, registration.retries_on_conflict) == (rename, 200, 2)
    assert list(handlers) == [Rename]
    with pytest.raises(ValueError, match="Rename already has a handler"):
        handlers.handles(Rename)(rename)
    with pytest.raises(LookupError, match="no handler registered for Renamed"):
        handlers.registration(Renamed)


@pytest.fixture
async def rows(database: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database)
    await conn.execute("create table items (id int primary key, label text not null)")
    await conn.executemany("insert into items values ($1, $2)", [(i, f"mục {i}") for i in range(1, 8)])
    try:
        yield conn
    finally:
        await conn.close()


@pytest.mark.parametrize(("limit", "offset", "ids"), [
    (3, 0, [7, 6, 5]), (3, 3, [4, 3, 2]), (3, 6, [1]), (3, 7, []), (50, 20, []),
])
async def test_a_page_holds_its_slice_in_order_and_always_the_whole_total(
        rows: asyncpg.Connection, limit: int, offset: int, ids: list[int]) -> None:
    page = await fetch_page(rows, "select * from items where id > $1", 0, order_by="id desc",
                            paging=Paging(limit, offset), item=Row.model_validate)
    assert [r.id for r in page.items] == ids
    assert (page.total, page.limit, page.offset) == (7, limit, offset)


async def test_an_empty_list_is_a_page_with_total_zero(rows: asyncpg.Connection) -> None:
    page = await fetch_page(rows, "select * from items where id > $1", 100, order_by="id",
                            paging=Paging(), item=Row.model_validate)
    assert (page.items, page.total) == ([], 0)


def _app() -> FastAPI:
    router = APIRouter()

    @router.get("/items", response_model=Page[Row])
    async def list_items(paging: PageParams) -> Page[Row]:
        every = [Row(id=i, label=str(i)) for i in range(10)]
        return paging.of(every, len(every))

    @router.post("/things/{thing_id}/rename", response_model=Renamed)
    async def rename(thing_id: UUID, cmd: Rename, principal: Reader) -> Renamed:
        return Renamed(name=cmd.name)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app = FastAPI()
    app.state.platform = PlatformSettings()
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ObservabilityMiddleware, service="probe")
    app.include_router(router)
    install_openapi(app)
    return app


async def _call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, url, **kwargs)


async def test_paging_is_bounded_with_a_field_level_refusal() -> None:
    ok = await _call("GET", "/items?limit=4&offset=8")
    assert ok.json() == {"items": [{"id": 8, "label": "8"}, {"id": 9, "label": "9"}], "total": 10, "limit": 4,
                         "offset": 8}
    refused = await _call("GET", f"/items?limit={MAX_LIMIT + 1}")
    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["limit"]


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(body), 65536):
        yield body[i:i + 65536]


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_the_limit_is_refused_before_a_route_reads_it(chunked: bool) -> None:
    """With a Content-Length it is refused unread; sent in chunks, once the count passes the limit."""
    body = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await _call("POST", f"/things/{UUID(int=1)}/rename", content=_chunks(body) if chunked else body,
                           headers={"Content-Type": "application/json", **auth()})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "byte" in response.json()["error"]["message"]["vi"]
    small = await _call("POST", f"/things/{UUID(int=1)}/rename", json={"name": "Xã Bảo Hà"}, headers=auth())
    assert small.json() == {"name": "Xã Bảo Hà"}


async def test_openapi_documents_the_error_body_and_each_operations_statuses() -> None:
    document = (await _call("GET", "/openapi.json")).json()
    command = document["paths"]["/things/{thing_id}/rename"]["post"]["responses"]
    assert sorted(int(s) for s in command if s != "200") == [400, 401, 403, 404, 409, 413, 415, 422, 503]
    assert command["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    listing = document["paths"]["/items"]["get"]["responses"]
    assert sorted(listing) == ["200", "422"]
    assert sorted(document["paths"]["/healthz"]["get"]["responses"]) == ["200"]
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def _next(payloads: asyncio.Queue[str]) -> str:
    async with asyncio.timeout(10):
        return await payloads.get()


async def test_a_declared_wakeup_wakes_its_listener_on_commit_and_never_on_rollback(platform_db: str) -> None:
    listener, writer = await asyncpg.connect(platform_db), await asyncpg.connect(platform_db)
    try:
        payloads: asyncio.Queue[str] = asyncio.Queue()
        await OUTBOX_WAKEUP.listen(listener, lambda *args: payloads.put_nowait(args[-1]))
        insert = "insert into outbox (event_id, subject, headers, body) values (gen_random_uuid(), 's', '{}', '')"
        tx = writer.transaction()
        await tx.start()
        await writer.execute(insert)
        await tx.rollback()
        # Notifications from one session arrive in order: had the rollback sent one, it would come first.
        await writer.execute("select pg_notify($1, 'marker')", OUTBOX_WAKEUP.channel)
        assert await _next(payloads) == "marker"
        async with writer.transaction():
            await writer.execute(insert)
        assert await _next(payloads) == ""
    finally:
        await listener.close()
        await writer.close()


def test_a_wakeup_names_only_plain_sql_identifiers() -> None:
    with pytest.raises(ValueError, match="not a plain SQL name"):
        Wakeup(channel="x'; drop table outbox; --", table="outbox", wakes="nobody")


async def test_installing_a_wakeup_twice_leaves_one_trigger(platform_db: str) -> None:
    conn = await asyncpg.connect(platform_db)
    try:
        await OUTBOX_WAKEUP.install(conn)
        triggers = await conn.fetch(
            "select tgname from pg_trigger where tgrelid = 'outbox'::regclass and not tgisinternal")
        assert [t["tgname"] for t in triggers] == [OUTBOX_WAKEUP.trigger]
    finally:
        await conn.close()



def _requests(route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "dvk_http_requests_total", {"service": "probe", "method": "POST", "route": route, "status": status})
    return value or 0.0


async def test_http_metrics_are_labelled_with_the_route_template_not_the_path() -> None:
    before = _requests("/things/{thing_id}/rename", "2xx"), _requests("unmatched", "4xx")
    await _call("POST", f"/things/{UUID(int=7)}/rename", json={"name": "Xã Nghĩa Đô"}, headers=auth())
    await _call("POST", "/no-such-route", json={})
    assert _requests("/things/{thing_id}/rename", "2xx") == before[0] + 1
    assert _requests("unmatched", "4xx") == before[1] + 1
