"""`dvk orgs import FILE` against a running registry, as an agency's administrator runs it.

A spreadsheet saved as CSV with a mistake is refused whole, the mistake named by the row and column
the person sees; corrected, it is imported; run again, it adds nothing."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from shared.runtime.cli import main
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer


async def test_a_csv_is_imported_all_or_none_and_its_mistakes_named_by_row_and_column(
        platform: Platform, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin = bearer(platform)
    async with httpx.AsyncClient(headers=admin, timeout=10) as client:
        root = await client.post(f"{platform.url('registry')}/org-units", headers={"Idempotency-Key": "demo-org-vn"},
                                 json={"code": "VN", "name": "Việt Nam", "kind": "country"})
        assert root.status_code == 201, root.text
    agency = f"SO{secrets.token_hex(3)}"
    sheet = tmp_path / "don-vi.csv"
    bad = (f"code,name,kind,parent_code\n{agency},Sở Nội vụ,department,\n"
           f"PHONG1,Phòng Thi đua - Khen thưởng,office,{agency}\nPHONG2,Phòng Tổ chức,office,SOKHAC\n")
    sheet.write_text("\ufeff" + bad, encoding="utf-8")  # as a spreadsheet saves it, with a BOM
    args = ["orgs", "import", str(sheet), "--parent-id", root.json()["id"], "--url", platform.url("registry"),
            "--token", admin["Authorization"].removeprefix("Bearer ")]

    assert await asyncio.to_thread(main, args) == 1
    refused = capsys.readouterr().err
    assert "dòng 4, cột parent_code" in refused and "row 4, column parent_code" in refused, refused
    assert "SOKHAC" in refused

    sheet.write_text(bad.replace("SOKHAC", agency), encoding="utf-8")
    assert await asyncio.to_thread(main, args) == 0
    assert "3 units added, 0 already there" in capsys.readouterr().out
    assert await asyncio.to_thread(main, args) == 0
    assert "0 units added, 3 already there" in capsys.readouterr().out

    # The same sheet kept as XLSX, with one more unit, as staff keep it in a spreadsheet program.
    book = Workbook()
    for line in (bad.replace("SOKHAC", agency) + f"PHONG3,Phòng Văn thư,office,{agency}\n").splitlines():
        book.active.append(line.split(","))
    book.save(tmp_path / "don-vi.xlsx")
    xlsx_args = [*args[:2], str(tmp_path / "don-vi.xlsx"), *args[3:]]
    assert await asyncio.to_thread(main, xlsx_args) == 0
    assert "1 units added, 3 already there" in capsys.readouterr().out
