"""Dates and times shown to people: stored in UTC, shown in Europe/Paris (``heure`` Jinja filters)."""

from __future__ import annotations

import re
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


_FRENCH_DATE = re.compile(r"(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date_fr(value: str) -> date:
    """The day written « 03/12/2026 » (also « 3.12.2026 », « 3-12-2026 »), or ISO « 2026-12-03 » (older links).

    Raises ``ValueError`` when the text is not a date in one of those forms or names a day that does not exist
    (« 31/02/2026 »). A browser's own date box sends ISO whatever it shows, so both stay accepted.
    """
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        return date.fromisoformat(text)
    match = _FRENCH_DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a day/month/year date: {text[:20]!r}")
    day, month, year = (int(part) for part in match.groups())
    return date(year, month, day)


def not_a_date(text: str) -> str:
    """The French message for a typed text that ``parse_date_fr`` refused (its first 20 characters quoted)."""
    return f"« {text[:20]} » n'est pas une date ; écrivez le jour, le mois puis l'année (jj/mm/aaaa)."


def init_app(app) -> None:
    """Register the filters every template uses for dates: ``date_heure``, ``date``."""
    app.jinja_env.filters["date_heure"] = datetime_fr
    app.jinja_env.filters["date_fr"] = date_fr
