"""`dvk orgs import FILE` and `dvk orgs import-official`: units into a running registry, all or none.

The file (CSV or XLSX) is read here and sent whole to the registry's `POST /org-units/import`, which validates
every row and writes all of them in one transaction or none; a refusal is printed row by row, with
the row numbered as the person sees it in their spreadsheet (the header is row 1) and the column
named. The official list lives in the registry itself (`POST /org-units/import-official`).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import httpx

COLUMNS = ("code", "name", "kind", "parent_code")


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV (a spreadsheet's BOM allowed) or of an XLSX's first sheet, whose first row
    names the columns code, name, kind and (optionally) parent_code; empty cells are left out."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            cells = list(csv.reader(f))
    header = [c.strip() for c in cells[0]] if cells else []
    missing = [c for c in COLUMNS[:3] if c not in header]
    if missing:
        raise ValueError(f"thiếu cột / missing columns: {', '.join(missing)}")
    return [{k: v.strip() for k, v in zip(header, line, strict=False) if k in COLUMNS and v.strip()}
            for line in cells[1:] if any(v.strip() for v in line)]


def explain(answer: dict[str, Any]) -> list[str]:
    """One line per problem: `dòng 4, cột parent_code: … / row 4, column parent_code: …`."""
    error = answer.get("error", {})
    lines = []
    for field in error.get("fields", []):
        parts = str(field["field"]).split(".")
        if len(parts) == 3 and parts[0] == "rows" and parts[1].isdigit():
            row = int(parts[1]) + 2  # the header is row 1
            lines.append(f"dòng {row}, cột {parts[2]}: {field['message']['vi']} / "
                         f"row {row}, column {parts[2]}: {field['message']['en']}")
        else:
            lines.append(f"{field['field']}: {field['message']['vi']} / {field['message']['en']}")
    if not lines and error:
        lines.append(f"{error['message']['vi']} / {error['message']['en']}")
    return lines


def send(url: str, path: str, token: str, body: dict[str, Any] | None) -> int:
    r = httpx.post(f"{url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    answer = r.json()
    if r.is_success:
        print(f"Đã thêm {answer['created']} đơn vị, {answer['existing']} đơn vị đã có từ trước / "
              f"{answer['created']} units added, {answer['existing']} already there")
        return 0
    print("Không nhập gì cả / nothing was imported:", file=sys.stderr)
    for line in explain(answer):
        print(f"  {line}", file=sys.stderr)
    return 1
