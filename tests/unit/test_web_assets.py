"""The web's vendored assets are the files they claim to be, and every word has both languages."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from services.web.i18n import LOCALES, build_environments, choose_language

WEB = Path(__file__).parents[2] / "services" / "web"
STATIC = WEB / "static"


def test_vendored_htmx_matches_its_recorded_checksum() -> None:
    recorded, name = (STATIC / "htmx.min.js.sha256").read_text().split()
    assert name == "htmx.min.js"
    assert hashlib.sha256((STATIC / "htmx.min.js").read_bytes()).hexdigest() == recorded
    assert "Zero-Clause BSD" in (STATIC / "htmx.LICENSE").read_text()


def test_first_paint_assets_stay_small() -> None:
    assert (STATIC / "htmx.min.js").stat().st_size + (STATIC / "style.css").stat().st_size < 100_000


def test_every_message_of_the_templates_is_translated_in_both_catalogues() -> None:
    method_map = [("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    used = {message for _, _, message, _, _ in extract_from_dir(str(WEB), method_map, options)}
    used = {m if isinstance(m, str) else m[0] for m in used}
    for language in ("vi", "en"):
        with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
            catalog = read_po(po)
        translated = {m.id for m in catalog if m.id and m.string}
        assert used - translated == set(), language


def test_language_is_the_choice_then_the_browser_then_vietnamese() -> None:
    assert choose_language("en", "vi") == "en"
    assert choose_language(None, "en-GB,en;q=0.8") == "en"
    assert choose_language(None, "fr-FR,de;q=0.5") == "vi"
    assert choose_language("xx", None) == "vi"


def test_dates_are_dd_mm_yyyy_in_ho_chi_minh_time_and_numbers_use_vietnamese_separators() -> None:
    env = build_environments()["en"]
    assert env.filters["date"](date(2025, 9, 2)) == "02/09/2025"
    # 17:30 UTC on 31 December is already 1 January in Hà Nội.
    assert env.filters["date"](datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == "01/01/2026 00:30"
    assert env.filters["number"](1234567) == "1.234.567"


def test_the_sign_in_page_speaks_vietnamese_and_english() -> None:
    environments = build_environments()
    context = {"session": None, "user": None, "menu": [], "path": "/sign-in", "csrf_token": "", "expired": True,
               "login": "", "error": {"kind": "locked", "seconds": 1200}}
    vi = environments["vi"].get_template("sign_in.html").render(other_languages=["en"], **context)
    en = environments["en"].get_template("sign_in.html").render(other_languages=["vi"], **context)
    assert "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại." in vi and 'lang="vi"' in vi
    assert "thử lại sau 1.200 giây" in vi
    assert "Your session has expired" in en and "Try again in 1.200 seconds" in en
