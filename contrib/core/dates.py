"""Dates and times shown to people: stored in UTC, shown in Europe/Paris (``heure`` Jinja filters)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def as_utc(moment: datetime) -> datetime:
    """The moment as an aware UTC datetime (SQLite gives back naive datetimes, which are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def in_paris(moment: datetime) -> datetime:
    """The stored (UTC) moment in Paris time, summer time included."""
    return as_utc(moment).astimezone(PARIS)


def datetime_fr(moment: datetime | None, pattern: str = "%d/%m/%Y à %H:%M") -> str:
    """« 02/12/2026 à 05:06 » in Paris time; empty for None."""
    return in_paris(moment).strftime(pattern) if moment is not None else ""


def date_fr(value: date | datetime | None) -> str:
    """« 02/12/2026 »: a calendar date as is, a moment as its day in Paris."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_paris(value)
    return value.strftime("%d/%m/%Y")


def init_app(app) -> None:
    """Register the filters every template uses for dates: ``date_heure``, ``date``."""
    app.jinja_env.filters["date_heure"] = datetime_fr
    app.jinja_env.filters["date_fr"] = date_fr
