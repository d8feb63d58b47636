"""A model's life in the registry: an exemplar with its person, amendments under optimistic
concurrency (ETag / If-Match, 412 naming what changed), withdrawal with a reason, and the timeline.

Against the registry's real app, PostgreSQL and nats-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from services.registry.service import DEFINITION
from shared.auth.principal import Role
from tests.conftest import auth
from tests.integration.service_host import hosted

pytestmark = pytest.mark.integration
BAO_HA = auth([Role.REGISTRAR], org="VN.15.02989", sub="canbo.baoha")
NGHIA_DO = auth([Role.REGISTRAR], org="VN.15.02953", sub="canbo.nghiado")
PERSON = {"full_name": "Nguyễn Văn An", "position": "Bí thư chi bộ thôn Lúc", "birth_year": 1971,
          "belongs_to": "Thôn Lúc, xã Bảo Hà"}


@pytest.fixture
async def registry(database: str, isolated_nats) -> AsyncIterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR]), json={"rows": [
            {"code": "VN", "name": "Việt Nam", "kind": "country"},
            {"code": "15", "name": "Tỉnh Lào Cai", "kind": "province", "parent_code": "VN"},
            {"code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_code": "15"},
            {"code": "02953", "name": "Xã Nghĩa Đô", "kind": "commune", "parent_code": "15"}]})
        units = {u["code"]: u["id"] for u in (await client.get("/org-units", headers=auth())).json()["items"]}
        yield {"client": client, "dsn": database, "units": units}


def _exemplar(owner: str, **changes: Any) -> dict[str, Any]:
    return {"title": "Bí thư chi bộ vận động hộ nghèo thoát nghèo bền vững", "owner_org_unit_id": owner,
            "recipient_kind": "individual", "field": "xay_dung_he_thong_chinh_tri", "sub_field": "giam_ngheo",
            "year": 2025, "person": PERSON, **changes}


async def test_an_exemplar_names_its_person_and_a_collective_model_none(registry) -> None:  # type: ignore[no-untyped-def]
    client, owner = registry["client"], registry["units"]["02989"]
    missing = await client.post("/models", json=_exemplar(owner, person=None), headers=BAO_HA)
    assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "person"
    collective = await client.post("/models", json=_exemplar(owner, recipient_kind="collective"), headers=BAO_HA)
    assert collective.status_code == 422 and collective.json()["error"]["fields"][0]["field"] == "person"
    made = await client.post("/models", json=_exemplar(owner), headers=BAO_HA)
    assert made.status_code == 201, made.text
    read = await client.get(f"/models/{made.json()['id']}", headers=BAO_HA)
    assert read.json()["person"] == PERSON and read.json()["sub_field"] == "giam_ngheo"
    conn = await asyncpg.connect(registry["dsn"])
    try:  # the person stays in the registry: no public event carries it
        bodies = [bytes(r["body"]).decode() for r in await conn.fetch("select body from outbox")]
    finally:
        await conn.close()
    assert bodies and not any("Nguyễn Văn An" in body for body in bodies)


async def test_two_amendments_of_one_version_one_wins_and_the_other_is_told_what_changed(registry) -> None:  # type: ignore[no-untyped-def]
    client, owner = registry["client"], registry["units"]["02989"]
    model_id = (await client.post("/models", json=_exemplar(owner), headers=BAO_HA)).json()["id"]
    etag = (await client.get(f"/models/{model_id}", headers=BAO_HA)).headers["ETag"]
    assert etag == '"1"'
    first, second = await asyncio.gather(
        client.post(f"/models/{model_id}/amend", json={"title": "Bí thư chi bộ thôn Lúc vận động giảm nghèo"},
                    headers={**BAO_HA, "If-Match": etag}),
        client.post(f"/models/{model_id}/amend", json={"year": 2024}, headers={**BAO_HA, "If-Match": etag}))
    assert sorted([first.status_code, second.status_code]) == [200, 412], (first.text, second.text)
    lost = first if first.status_code == 412 else second
    won = second if lost is first else first
    assert won.json()["version"] == 2  # the next If-Match
    changed = "title" if lost is second else "year"
    assert changed in lost.json()["error"]["message"]["vi"] and changed in lost.json()["error"]["message"]["en"]

    no_etag = await client.post(f"/models/{model_id}/amend", json={"year": 2023}, headers=BAO_HA)
    assert no_etag.status_code == 428
    same = await client.post(f"/models/{model_id}/amend", json={"sub_field": "giam_ngheo"},
                             headers={**BAO_HA, "If-Match": '"2"'})
    assert same.status_code == 422 and same.json()["error"]["fields"][0]["field"] == "sub_field"
    cleared = await client.post(f"/models/{model_id}/amend", json={"title": None},
                                headers={**BAO_HA, "If-Match": '"2"'})
    assert cleared.status_code == 422 and cleared.json()["error"]["fields"][0]["field"] == "title"


async def test_a_withdrawn_model_stays_on_record_with_its_whole_timeline(registry) -> None:  # type: ignore[no-untyped-def]
    client, owner = registry["client"], registry["units"]["02989"]
    model_id = (await client.post("/models", json=_exemplar(owner), headers=BAO_HA)).json()["id"]
    amended = await client.post(f"/models/{model_id}/amend", json={"description": "Thôn Lúc có 12 hộ thoát nghèo."},
                                headers={**BAO_HA, "If-Match": '"1"'})
    assert amended.status_code == 200, amended.text
    # Another commune's officer can neither change, withdraw nor read it.
    assert (await client.post(f"/models/{model_id}/withdraw", json={"reason": "Không thuộc xã."},
                              headers=NGHIA_DO)).status_code == 403
    assert (await client.post(f"/models/{model_id}/amend", json={"year": 2024},
                              headers={**NGHIA_DO, "If-Match": '"2"'})).status_code == 403
    assert (await client.get(f"/models/{model_id}/history", headers=NGHIA_DO)).status_code == 404

    withdrawn = await client.post(f"/models/{model_id}/withdraw", json={"reason": "Người được đề cập chuyển công tác."},
                                  headers=BAO_HA)
    assert withdrawn.status_code == 200, withdrawn.text
    again = await client.post(f"/models/{model_id}/amend", json={"year": 2024}, headers={**BAO_HA, "If-Match": '"3"'})
    assert again.status_code == 409
    model = (await client.get(f"/models/{model_id}", headers=BAO_HA)).json()
    assert (model["status"], model["withdrawn_reason"]) == ("withdrawn", "Người được đề cập chuyển công tác.")
    timeline = (await client.get(f"/models/{model_id}/history", headers=BAO_HA)).json()
    assert [(e["what"], e["actor"]) for e in timeline] == [("registered", "canbo.baoha"), ("amended", "canbo.baoha"),
                                                           ("withdrawn", "canbo.baoha")]
    assert timeline[1]["changes"] == {"description": "Thôn Lúc có 12 hộ thoát nghèo."}
    assert timeline[2]["label"] == {"vi": "Rút khỏi phong trào", "en": "Withdrawn"}


async def test_a_model_records_once_that_it_replicates_another(registry) -> None:  # type: ignore[no-untyped-def]
    client, units = registry["client"], registry["units"]
    source = (await client.post("/models", json=_exemplar(units["02953"]), headers=NGHIA_DO)).json()["id"]
    copy = (await client.post("/models", json=_exemplar(units["02989"]), headers=BAO_HA)).json()["id"]
    itself = await client.post(f"/models/{copy}/replicates", json={"source_model_id": copy}, headers=BAO_HA)
    assert itself.status_code == 422 and itself.json()["error"]["fields"][0]["field"] == "source_model_id"
    unknown = await client.post(f"/models/{copy}/replicates", headers=BAO_HA,
                                json={"source_model_id": "00000000-0000-0000-0000-000000000001"})
    assert unknown.status_code == 422
    # The source lies in another commune: replicating it needs no scope over it.
    done = await client.post(f"/models/{copy}/replicates", json={"source_model_id": source, "note": "Học tập."},
                             headers=BAO_HA)
    assert done.status_code == 200, done.text
    assert (await client.get(f"/models/{copy}", headers=BAO_HA)).json()["replicates_model_id"] == source
    twice = await client.post(f"/models/{copy}/replicates", json={"source_model_id": source}, headers=BAO_HA)
    assert twice.status_code == 409
    timeline = (await client.get(f"/models/{copy}/history", headers=BAO_HA)).json()
    assert [e["what"] for e in timeline] == ["registered", "replicates"]
    assert timeline[1]["source_model_id"] == source
