"""Re-organisation through the registry's API, on real PostgreSQL and NATS: rename, move, merge, split,
dissolve; their refusals write nothing; models follow their carrier while the past keeps its names."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest

from services.registry.service import DEFINITION
from shared.auth.principal import Role
from shared.i18n import VN_TZ
from tests.conftest import auth
from tests.integration.service_host import hosted

ADMIN = [Role.ADMINISTRATOR]
REGISTRAR = [Role.REGISTRAR]


@dataclass
class Tree:
    client: httpx.AsyncClient
    dsn: str
    ids: dict[str, str]
    """'15', '16', '02989', '02953', '02947' → unit id."""

    async def post(self, path: str, body: dict[str, Any], org: str = "VN", roles: list[Role] | None = None,
                   **headers: str) -> httpx.Response:
        return await self.client.post(path, json=body, headers={**auth(roles or ADMIN, org=org), **headers})

    async def get(self, path: str, org: str = "VN", **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=auth([Role.VIEWER], org=org))

    async def model(self, commune: str, title: str, org: str = "VN") -> str:
        r = await self.post("/models", {"title": title, "owner_org_unit_id": self.ids[commune],
                                        "recipient_kind": "collective", "field": "kinh_te", "year": 2025},
                            org=org, roles=REGISTRAR)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def events(self) -> int:
        conn = await asyncpg.connect(self.dsn)
        try:
            return int(await conn.fetchval("select count(*) from events"))
        finally:
            await conn.close()

    async def published(self, event: str) -> list[tuple[str, dict[str, Any]]]:
        conn = await asyncpg.connect(self.dsn)
        try:
            rows = await conn.fetch("select subject, body from outbox where subject like $1 order by id",
                                    f"dvk.registry.{event}.%")
        finally:
            await conn.close()
        return [(r["subject"], json.loads(bytes(r["body"]))) for r in rows]


@pytest.fixture
async def tree(database: str, isolated_nats) -> AsyncIterator[Tree]:
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        t = Tree(client, database, {})
        root = await t.post("/org-units", {"code": "VN", "name": "Việt Nam", "kind": "country",
                                           "effective_on": "2025-01-01"})
        assert root.status_code == 201, root.text
        for code, name in (("15", "Tỉnh Lào Cai"), ("16", "Tỉnh Yên Bái")):
            r = await t.post("/org-units", {"code": code, "name": name, "kind": "province",
                                            "parent_id": root.json()["id"], "effective_on": "2025-01-01"})
            assert r.status_code == 201, r.text
            t.ids[code] = r.json()["id"]
        for code, name in (("02989", "Xã Bảo Hà"), ("02953", "Xã Nghĩa Đô"), ("02947", "Xã Bảo Yên")):
            r = await t.post("/org-units", {"code": code, "name": name, "kind": "commune", "parent_id": t.ids["15"],
                                            "effective_on": "2025-07-01"})
            assert r.status_code == 201, r.text
            t.ids[code] = r.json()["id"]
        yield t


def _fields(r: httpx.Response) -> dict[str, str]:
    error = r.json()["error"]
    assert error["message"]["vi"] and error["message"]["en"]
    for f in error.get("fields", []):
        assert f["message"]["vi"] != f["message"]["en"], f
    return {f["field"]: f["code"] for f in error.get("fields", [])}


async def _refused(t: Tree, r: httpx.Response, before: int, status: int) -> httpx.Response:
    assert r.status_code == status, r.text
    assert await t.events() == before
    return r


# -- rename ----------------------------------------------------------------------------------------

async def test_rename_keeps_id_and_path_and_the_history_names_both(tree: Tree) -> None:
    unit = tree.ids["02989"]
    r = await tree.post(f"/org-units/{unit}/rename", {"name": "Xã Bảo Hà (mới)", "effective_on": "2025-09-01"},
                        **{"Idempotency-Key": "doi-ten-bao-ha-1"})
    assert r.status_code == 200, r.text
    assert r.json()["org_path"] == "VN.15.02989" and r.json()["effective_on"] == "2025-09-01"
    detail = (await tree.get(f"/org-units/{unit}")).json()
    assert detail["name"] == "Xã Bảo Hà (mới)"
    assert [(h["change"], h["name"]) for h in detail["history"]] == [
        ("registered", "Xã Bảo Hà"), ("renamed", "Xã Bảo Hà (mới)")]
    before_rename = (await tree.get(f"/org-units/{unit}", on="2025-08-01")).json()
    assert before_rename["name"] == "Xã Bảo Hà"
    [(subject, body)] = await tree.published("org_unit_renamed")
    assert subject == "dvk.registry.org_unit_renamed.VN.15.02989._" and body["old_name"] == "Xã Bảo Hà"
    before = await tree.events()
    again = await tree.post(f"/org-units/{unit}/rename", {"name": "Xã Bảo Hà (mới)", "effective_on": "2025-09-01"},
                            **{"Idempotency-Key": "doi-ten-bao-ha-1"})
    assert again.headers["Idempotent-Replayed"] == "true" and await tree.events() == before


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"name": "Xã Bảo Hà"}, "name", "org_unit_same_name"),
    ({"name": "Xã Bảo Hà 2", "effective_on": "2025-06-30"}, "effective_on", "org_unit_effective_before_start"),
    ({"name": "X"}, "name", "string_too_short"),
    ({"name": "Xã Bảo Hà 2", "effective_on": "hôm nay"}, "effective_on", "date_from_datetime_parsing"),
])
async def test_rename_refusals_are_field_level_and_write_nothing(tree: Tree, body: dict[str, Any], field: str,
                                                                code: str) -> None:
    before = await tree.events()
    r = await _refused(tree, await tree.post(f"/org-units/{tree.ids['02989']}/rename", body), before, 422)
    assert _fields(r)[field] == code


async def test_commands_on_unknown_or_out_of_scope_units_are_refused(tree: Tree) -> None:
    before = await tree.events()
    r = await tree.post("/org-units/00000000-0000-0000-0000-000000000000/rename", {"name": "Xã Không Có"})
    await _refused(tree, r, before, 404)
    r = await tree.post(f"/org-units/{tree.ids['02989']}/rename", {"name": "Xã Bảo Hà 2"}, org="VN.16")
    assert (await _refused(tree, r, before, 403)).json()["error"]["code"] == "forbidden_scope"
    r = await tree.post(f"/org-units/{tree.ids['02989']}/rename", {"name": "Xã Bảo Hà 2"}, roles=REGISTRAR)
    assert (await _refused(tree, r, before, 403)).json()["error"]["code"] == "forbidden_role"


# -- move ------------------------------------------------------------------------------------------

async def test_a_moved_communes_registrar_keeps_registering_with_an_old_path_token(tree: Tree) -> None:
    unit = tree.ids["02989"]
    first = await tree.model("02989", "Mô hình trước khi chuyển", org="VN.15.02989")
    r = await tree.post(f"/org-units/{unit}/move", {"parent_id": tree.ids["16"], "effective_on": "2025-10-01"})
    assert r.status_code == 200, r.text
    assert r.json()["org_path"] == "VN.16.02989"
    [(subject, body)] = await tree.published("org_unit_moved")
    assert subject == "dvk.registry.org_unit_moved.VN.16.02989._" and body["old_path"] == "VN.15.02989"
    second = await tree.model("02989", "Mô hình sau khi chuyển", org="VN.15.02989")
    assert (await tree.get(f"/models/{second}", org="VN.15.02989")).json()["owner_org_path"] == "VN.16.02989"
    assert (await tree.get(f"/models/{first}")).json()["owner_org_path"] == "VN.15.02989"
    under_16 = {m["id"] for m in (await tree.get("/models", unit_id=tree.ids["16"])).json()["items"]}
    assert under_16 == {first, second}
    assert (await tree.get("/models", unit_id=tree.ids["15"])).json()["items"] == []
    as_before = (await tree.get("/org-units", unit_id=tree.ids["15"], on="2025-09-30")).json()["items"]
    assert "VN.15.02989" in [u["path"] for u in as_before]
    now = (await tree.get("/org-units", under="VN.16")).json()["items"]
    assert [u["path"] for u in now] == ["VN.16", "VN.16.02989"]
    [province] = (await tree.get("/org-units/tree", unit_id=tree.ids["16"])).json()
    assert [c["path"] for c in province["children"]] == ["VN.16.02989"]
    history = (await tree.get(f"/org-units/{unit}")).json()["history"]
    assert [(h["change"], h["path"], h["parent_id"]) for h in history] == [
        ("registered", "VN.15.02989", tree.ids["15"]), ("moved", "VN.16.02989", tree.ids["16"])]


async def test_move_refusals(tree: Tree) -> None:
    before = await tree.events()
    province = tree.ids["15"]
    r = await tree.post(f"/org-units/{province}/move", {"parent_id": tree.ids["02989"]})
    assert _fields(await _refused(tree, r, before, 422)) == {"parent_id": "org_unit_move_into_itself"}
    r = await tree.post(f"/org-units/{province}/move", {"parent_id": province})
    assert _fields(await _refused(tree, r, before, 422)) == {"parent_id": "org_unit_move_into_itself"}
    r = await tree.post(f"/org-units/{tree.ids['02989']}/move", {"parent_id": "00000000-0000-0000-0000-000000000000"})
    assert _fields(await _refused(tree, r, before, 422)) == {"parent_id": "org_unit_unknown"}
    r = await tree.post(f"/org-units/{tree.ids['02989']}/move", {"parent_id": tree.ids["16"]}, org="VN.15")
    assert (await _refused(tree, r, before, 403)).json()["error"]["code"] == "forbidden_scope"
    clash = await tree.post("/org-units", {"code": "02953", "name": "Xã trùng mã", "kind": "commune",
                                           "parent_id": tree.ids["16"]})
    assert clash.status_code == 201
    before = await tree.events()
    r = await tree.post(f"/org-units/{tree.ids['02953']}/move", {"parent_id": tree.ids["16"]})
    assert (await _refused(tree, r, before, 409)).json()["error"]["code"] == "org_unit_code_taken"


# -- merge -----------------------------------------------------------------------------------------

async def test_a_province_administrator_merges_two_communes_and_the_successor_carries_their_models(
        tree: Tree) -> None:
    bao_ha, nghia_do, bao_yen = tree.ids["02989"], tree.ids["02953"], tree.ids["02947"]
    m_bao_ha = await tree.model("02989", "Dân vận khéo xây dựng nông thôn mới")
    m_nghia_do = await tree.model("02953", "Dân vận khéo phát triển du lịch cộng đồng")
    m_bao_yen = await tree.model("02947", "Dân vận khéo thoát nghèo bền vững")
    r = await tree.post("/org-unit-merges", {"merged_ids": [bao_ha, nghia_do], "successor_id": bao_yen,
                                             "effective_on": "2025-10-01"}, org="VN.15")
    assert r.status_code == 201, r.text
    assert r.json()["id"] == bao_yen
    carried = {m["id"]: m for m in (await tree.get("/models", unit_id=bao_yen)).json()["items"]}
    assert set(carried) == {m_bao_ha, m_nghia_do, m_bao_yen}
    assert carried[m_bao_ha]["owner_org_unit_id"] == bao_ha
    assert carried[m_bao_ha]["owner_org_path"] == "VN.15.02989"
    assert carried[m_bao_ha]["carrier_org_unit_id"] == bao_yen
    old = (await tree.get(f"/models/{m_nghia_do}")).json()
    assert (old["owner_org_unit_id"], old["owner_org_path"], old["owner_org_name"]) == (
        nghia_do, "VN.15.02953", "Xã Nghĩa Đô")
    [(subject, body)] = await tree.published("org_units_merged")
    assert subject == "dvk.registry.org_units_merged.VN.15.02947._"
    assert body["merged_paths"] == ["VN.15.02989", "VN.15.02953"]
    [(registered_subject, _)] = [p for p in await tree.published("model_registered") if m_bao_ha in json.dumps(p[1])]
    assert registered_subject == "dvk.registry.model_registered.VN.15.02989._"
    merged = (await tree.get(f"/org-units/{bao_ha}")).json()
    assert merged["valid_to"] == "2025-10-01" and merged["successor_id"] == bao_yen
    assert merged["history"][-1]["change"] == "merged"
    standing_now = [u["code"] for u in (await tree.get("/org-units", unit_id=tree.ids["15"])).json()["items"]]
    assert standing_now == ["15", "02947"]
    on_d = [u["code"] for u in (await tree.get("/org-units", unit_id=tree.ids["15"], on="2025-09-30")).json()["items"]]
    assert sorted(on_d) == ["02947", "02953", "02989", "15"]
    as_on = {m["id"] for m in (await tree.get("/models", unit_id=bao_ha, on="2025-09-30")).json()["items"]}
    assert as_on == {m_bao_ha}
    before = await tree.events()
    r = await tree.post("/models", {"title": "Mô hình của xã đã sáp nhập", "owner_org_unit_id": bao_ha,
                                    "recipient_kind": "collective", "field": "kinh_te", "year": 2025})
    assert _fields(await _refused(tree, r, before, 422)) == {"owner_org_unit_id": "org_unit_ended"}
    r = await tree.post(f"/org-units/{bao_ha}/rename", {"name": "Xã Bảo Hà 2"})
    assert (await _refused(tree, r, before, 409)).json()["error"]["code"] == "org_unit_ended"


async def test_a_merge_can_register_its_successor_under_the_common_parent(tree: Tree) -> None:
    r = await tree.post("/org-unit-merges", {
        "merged_ids": [tree.ids["02989"], tree.ids["02953"]], "effective_on": "2025-10-01",
        "successor": {"code": "03001", "name": "Xã Bảo Hà – Nghĩa Đô", "kind": "commune"}}, org="VN.15")
    assert r.status_code == 201, r.text
    assert r.json()["org_path"] == "VN.15.03001"
    successor = (await tree.get(f"/org-units/{r.json()['id']}")).json()
    assert successor["parent_id"] == tree.ids["15"] and successor["valid_from"] == "2025-10-01"
    assert [h["change"] for h in successor["history"]] == ["registered", "absorbed"]
    assert [s for s, _ in await tree.published("org_unit_registered")][-1] == \
        "dvk.registry.org_unit_registered.VN.15.03001._"


async def test_merge_refusals(tree: Tree) -> None:
    other = await tree.post("/org-units", {"code": "03100", "name": "Xã Khác Tỉnh", "kind": "commune",
                                           "parent_id": tree.ids["16"], "effective_on": "2025-07-01"})
    before = await tree.events()
    bao_ha = tree.ids["02989"]
    r = await tree.post("/org-unit-merges", {"merged_ids": [bao_ha, other.json()["id"]],
                                             "successor": {"code": "03002", "name": "Xã Mới", "kind": "commune"}})
    assert _fields(await _refused(tree, r, before, 422)) == {"successor.parent_id": "org_unit_merge_parent_required"}
    r = await tree.post("/org-unit-merges", {"merged_ids": [bao_ha], "successor_id": bao_ha})
    assert _fields(await _refused(tree, r, before, 422)) == {"merged_ids.0": "org_unit_merge_into_itself"}
    r = await tree.post("/org-unit-merges", {"merged_ids": [bao_ha]})
    assert _fields(await _refused(tree, r, before, 422)) == {"successor_id": "org_unit_merge_successor_one_of"}
    r = await tree.post("/org-unit-merges", {"merged_ids": [tree.ids["15"]], "successor_id": tree.ids["02947"]})
    assert _fields(await _refused(tree, r, before, 422)) == {"successor_id": "org_unit_successor_inside_merged"}
    r = await tree.post("/org-unit-merges", {"merged_ids": [bao_ha, other.json()["id"]],
                                             "successor_id": tree.ids["02947"]}, org="VN.15")
    assert (await _refused(tree, r, before, 403)).json()["error"]["code"] == "forbidden_scope"
    r = await tree.post("/org-unit-merges", {"merged_ids": [bao_ha], "successor_id": tree.ids["02947"],
                                             "effective_on": "2025-03-01"})
    assert "effective_on" in _fields(await _refused(tree, r, before, 422))


# -- split -----------------------------------------------------------------------------------------

async def test_after_a_split_each_model_is_listed_under_the_successor_it_was_assigned_to(tree: Tree) -> None:
    bao_ha, nghia_do, bao_yen = tree.ids["02989"], tree.ids["02953"], tree.ids["02947"]
    m1 = await tree.model("02989", "Mô hình thứ nhất của Bảo Hà")
    m2 = await tree.model("02989", "Mô hình thứ hai của Bảo Hà")
    m3 = await tree.model("02989", "Mô hình thứ ba của Bảo Hà")
    r = await tree.post(f"/org-units/{bao_ha}/split", {
        "shares": [{"org_unit_id": nghia_do, "entity_ids": [m1]}, {"org_unit_id": bao_yen, "entity_ids": [m2]}],
        "default_successor_id": bao_yen, "effective_on": "2025-10-01"}, org="VN.15")
    assert r.status_code == 200, r.text
    assert {m["id"] for m in (await tree.get("/models", unit_id=nghia_do)).json()["items"]} == {m1}
    assert {m["id"] for m in (await tree.get("/models", unit_id=bao_yen)).json()["items"]} == {m2, m3}
    [(subject, body)] = await tree.published("org_unit_split")
    assert subject == "dvk.registry.org_unit_split.VN.15.02989._"
    assert body["shares"][0]["entity_ids"] == [m1] and body["default_successor_id"] == bao_yen


async def test_split_refusals(tree: Tree) -> None:
    bao_ha, nghia_do, bao_yen = tree.ids["02989"], tree.ids["02953"], tree.ids["02947"]
    m1 = await tree.model("02989", "Mô hình của Bảo Hà")
    elsewhere = await tree.model("02947", "Mô hình của Bảo Yên")
    before = await tree.events()
    r = await tree.post(f"/org-units/{bao_ha}/split", {"shares": [{"org_unit_id": nghia_do}]})
    assert _fields(await _refused(tree, r, before, 422)) == {"shares": "too_short"}
    r = await tree.post(f"/org-units/{bao_ha}/split", {
        "shares": [{"org_unit_id": nghia_do, "entity_ids": [elsewhere]}, {"org_unit_id": nghia_do}]})
    assert _fields(await _refused(tree, r, before, 422)) == {
        "shares.0.entity_ids.0": "org_unit_entity_not_carried", "shares.1.org_unit_id": "org_unit_successor_twice",
        "shares": "org_unit_split_too_few", "default_successor_id": "org_unit_successor_required"}
    r = await tree.post(f"/org-units/{bao_ha}/split", {
        "shares": [{"org_unit_id": nghia_do, "entity_ids": [m1]}, {"org_unit_id": bao_yen}],
        "default_successor_id": tree.ids["16"]})
    assert _fields(await _refused(tree, r, before, 422)) == {"default_successor_id": "org_unit_default_not_successor"}
    r = await tree.post(f"/org-units/{tree.ids['15']}/split", {
        "shares": [{"org_unit_id": nghia_do}, {"org_unit_id": bao_yen}], "default_successor_id": bao_yen})
    assert (await _refused(tree, r, before, 409)).json()["error"]["code"] == "org_unit_has_units"


# -- dissolve --------------------------------------------------------------------------------------

async def test_a_dissolved_communes_users_get_a_clear_403(tree: Tree) -> None:
    nghia_do = tree.ids["02953"]
    await tree.model("02953", "Mô hình của Nghĩa Đô")
    before = await tree.events()
    r = await tree.post(f"/org-units/{nghia_do}/dissolve", {"reason": "Giải thể"})
    assert _fields(await _refused(tree, r, before, 422)) == {"successor_id": "org_unit_successor_required"}
    r = await tree.post(f"/org-units/{nghia_do}/dissolve", {"successor_id": nghia_do})
    assert _fields(await _refused(tree, r, before, 422)) == {"successor_id": "org_unit_successor_is_itself"}
    r = await tree.post(f"/org-units/{nghia_do}/dissolve", {"successor_id": tree.ids["02947"], "reason": "Giải thể"})
    assert r.status_code == 200, r.text
    assert r.json()["effective_on"] == datetime.now(VN_TZ).date().isoformat()
    [(subject, body)] = await tree.published("org_unit_dissolved")
    assert subject == "dvk.registry.org_unit_dissolved.VN.15.02953._" and body["successor_id"] == tree.ids["02947"]
    bao_ha = tree.ids["02989"]
    r = await tree.post(f"/org-units/{bao_ha}/dissolve", {"effective_on": "2025-10-01"})
    assert r.status_code == 200, r.text
    before = await tree.events()
    r = await tree.post("/models", {"title": "Mô hình sau giải thể", "owner_org_unit_id": bao_ha,
                                    "recipient_kind": "collective", "field": "kinh_te", "year": 2025},
                        org="VN.15.02989", roles=REGISTRAR)
    error = (await _refused(tree, r, before, 403)).json()["error"]
    assert error["code"] == "scope_unit_ended" and error["message"]["vi"] != error["message"]["en"]
    listing = await tree.get("/models", org="VN.15.02989")
    assert listing.status_code == 403 and listing.json()["error"]["code"] == "scope_unit_ended"
    r = await tree.post(f"/org-units/{bao_ha}/dissolve", {})
    assert (await _refused(tree, r, before, 409)).json()["error"]["code"] == "org_unit_ended"
    reused = await tree.post("/org-units", {"code": "02989", "name": "Xã Bảo Hà mới", "kind": "commune",
                                            "parent_id": tree.ids["15"]})
    assert reused.status_code == 201, reused.text


async def test_merging_provinces_brings_their_communes_under_the_successor_unless_codes_clash(tree: Tree) -> None:
    commune = await tree.post("/org-units", {"code": "03100", "name": "Xã Lâm Thượng", "kind": "commune",
                                             "parent_id": tree.ids["16"], "effective_on": "2025-07-01"})
    tree.ids["03100"] = commune.json()["id"]
    model = await tree.model("03100", "Mô hình của Xã Lâm Thượng")
    clash = await tree.post("/org-units", {"code": "02953", "name": "Xã trùng mã", "kind": "commune",
                                           "parent_id": tree.ids["16"], "effective_on": "2025-07-01"})
    before = await tree.events()
    r = await tree.post("/org-unit-merges", {"merged_ids": [tree.ids["16"]], "successor_id": tree.ids["15"],
                                             "effective_on": "2025-10-01"})
    assert (await _refused(tree, r, before, 409)).json()["error"]["code"] == "org_unit_code_taken"
    assert (await tree.post(f"/org-units/{clash.json()['id']}/dissolve", {})).status_code == 200
    r = await tree.post("/org-unit-merges", {"merged_ids": [tree.ids["16"]], "successor_id": tree.ids["15"],
                                             "effective_on": "2025-10-01"})
    assert r.status_code == 201, r.text
    moved = (await tree.get(f"/org-units/{commune.json()['id']}")).json()
    assert (moved["path"], moved["parent_id"]) == ("VN.15.03100", tree.ids["15"])
    assert model in {m["id"] for m in (await tree.get("/models", unit_id=tree.ids["15"])).json()["items"]}
    assert (await tree.get(f"/models/{model}")).json()["owner_org_path"] == "VN.16.03100"
    twin = await tree.post("/org-units", {"code": "03100", "name": "Xã trùng mã", "kind": "commune",
                                          "parent_id": tree.ids["15"]})
    assert twin.status_code == 409
