"""Days as the registry decides and shows them: the calendar day in Vietnam, written dd/MM/yyyy."""

from __future__ import annotations

from datetime import date, datetime

from shared.i18n import VN_TZ


def vn_day(moment: datetime) -> date:
    """The calendar day in Vietnam: what an effective date defaults to."""
    return moment.astimezone(VN_TZ).date()


def show(day: date) -> str:
    return day.strftime("%d/%m/%Y")
