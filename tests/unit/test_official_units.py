"""The country's administrative units the registry ships (services/registry/data/official_units.csv):
34 provinces and 3,321 communes since 1 July 2025, every code unique, every commune under a province,
and the seeds' communes where the statistics office puts them."""

from __future__ import annotations

from collections import Counter

from services.registry.official_units import COUNTRY, official_import, official_rows


def test_the_list_holds_34_provinces_and_3321_communes_with_unique_codes() -> None:
    rows = official_rows()
    provinces = [r for r in rows if r.parent_code == COUNTRY.code]
    communes = [r for r in rows if r.parent_code != COUNTRY.code]
    assert len(provinces) == 34
    assert len(communes) == 3321
    assert len({r.code for r in rows}) == len(rows)
    assert {len(r.code) for r in provinces} == {2} and {len(r.code) for r in communes} == {5}
    assert {r.parent_code for r in communes} <= {p.code for p in provinces}
    assert Counter(r.kind for r in communes) == {"commune": 2621, "ward": 687, "special_zone": 13}
    assert Counter(r.kind for r in provinces) == {"province": 28, "municipality": 6}


def test_each_kind_agrees_with_the_word_its_name_starts_with() -> None:
    words = {"province": "Tỉnh ", "municipality": "Thành phố ", "commune": "Xã ", "ward": "Phường ",
             "special_zone": "Đặc khu "}
    assert all(r.name.startswith(words[r.kind]) for r in official_rows())


def test_the_seeds_communes_stand_under_lao_cai_with_their_official_codes() -> None:
    by_code = {r.code: r for r in official_rows()}
    assert by_code["15"].name == "Tỉnh Lào Cai"
    for code, name in (("02989", "Xã Bảo Hà"), ("02953", "Xã Nghĩa Đô"), ("02947", "Xã Bảo Yên")):
        assert (by_code[code].name, by_code[code].parent_code) == (name, "15")


def test_the_import_puts_the_country_first_and_every_row_after_its_parent() -> None:
    rows = official_import().rows
    assert rows[0] == COUNTRY
    seen: set[str] = set()
    for row in rows:
        assert row.parent_code is None or row.parent_code in seen
        seen.add(row.code)
