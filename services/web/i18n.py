"""Languages of the pages: gettext catalogues compiled from the `.po` files at start, one Jinja
environment per language (installing translations per request would race between requests).

Choice: the user's own (the header's switch, kept in the session and a cookie), then the browser's
`Accept-Language`, then Vietnamese. Dates dd/MM/yyyy in Asia/Ho_Chi_Minh; numbers with Babel's
Vietnamese separators.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LOCALES = Path(__file__).parent / "locales"
TEMPLATES = Path(__file__).parent / "templates"


def load_translations(language: str) -> Translations:
    """The `.po` file compiled in memory: the repository keeps text only, never `.mo` binaries."""
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(fp=mo)


def choose_language(chosen: str | None, accept_language: str | None) -> str:
    if chosen in LANGUAGES:
        return chosen
    if accept_language:
        preferences = [part.split(";")[0].strip().replace("-", "_") for part in accept_language.split(",")[:20]]
        found = negotiate_locale([p for p in preferences if p], list(LANGUAGES))
        if found:
            return found
    return DEFAULT_LANGUAGE


def _date(value: date | datetime | str | None, language: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=TIMEZONE, locale=language)
    return format_date(value, "dd/MM/yyyy", locale=language)


def build_environments() -> dict[str, Environment]:
    environments = {}
    for language in LANGUAGES:
        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                          extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(load_translations(language), newstyle=True)  # type: ignore[attr-defined]
        env.globals["language"] = language
        env.filters["date"] = lambda value, lang=language: _date(value, lang)
        env.filters["number"] = lambda value: format_decimal(value, locale="vi")
        environments[language] = env
    return environments


def gettext_for(environments: dict[str, Environment], language: str) -> Any:
    return environments[language].globals["gettext"]
