"""Vietnam's administrative units after 1 July 2025, as the registry ships them.

`data/official_units.csv` holds the 34 provinces and 3,321 communes (phường, xã, đặc khu) with their
official codes, written by scripts/official_units.py from the MIT-licensed `vietnamadminunits`
package (its licence: data/LICENSE.vietnamadminunits). `official_import` turns it into one
`ImportOrgUnits` under the country's root unit, VN, effective on the day the two-level local
government began.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from importlib.resources import files

from services.registry.commands import ImportOrgUnits, ImportRow

COUNTRY = ImportRow(code="VN", name="Việt Nam", kind="country")
TWO_LEVEL_GOVERNMENT = date(2025, 7, 1)
"""The day the provinces and communes of this list took effect (Resolution 202/2025/QH15)."""


@cache
def official_rows() -> tuple[ImportRow, ...]:
    """The list's rows, each under its province, the provinces under VN."""
    text = files("services.registry").joinpath("data/official_units.csv").read_text(encoding="utf-8")
    return tuple(ImportRow(code=r["code"], name=r["name"], kind=r["kind"], parent_code=r["parent_code"] or "VN")
                 for r in csv.DictReader(text.splitlines()))


def official_import() -> ImportOrgUnits:
    return ImportOrgUnits(effective_on=TWO_LEVEL_GOVERNMENT, rows=[COUNTRY, *official_rows()])
