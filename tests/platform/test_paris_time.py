"""Dates are stored in UTC and shown in Europe/Paris on every page; exports say they are UTC."""

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contrib.core.dates import date_fr, datetime_fr

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 12, 2, 4, 6, tzinfo=UTC), "02/12/2026 à 05:06"),  # winter: UTC+1
        (datetime(2026, 7, 2, 4, 6, tzinfo=UTC), "02/07/2026 à 06:06"),  # summer: UTC+2
        (datetime(2026, 12, 2, 23, 30), "03/12/2026 à 00:30"),  # naive (SQLite) is UTC; the next day in Paris
    ],
)
def test_filters_show_paris_time(moment, shown):
    assert datetime_fr(moment) == shown
    assert date_fr(moment) == shown[:10]


@pytest.mark.parametrize(("month", "shown"), [(12, "05:06"), (7, "06:06")])
def test_contribution_page_shows_paris_time(client, factory, month, shown):
    process = factory.process()
    contribution = factory.contribution(process, created_at=datetime(2026, month, 2, 4, 6, tzinfo=UTC))
    html = client.get(f"/contributions/{contribution.id}").text
    assert f"à {shown}" in html
    assert "à 04:06" not in html  # control: the stored UTC time is not what people read


def test_no_template_formats_dates_itself():
    """Every template goes through the Paris filters: a bare strftime would print UTC."""
    offenders = [str(path) for path in TEMPLATES.rglob("*.html") if re.search(r"\.strftime\(", path.read_text())]
    assert offenders == []


def test_exports_state_their_dates_are_utc(client, factory):
    process = factory.process()
    factory.contribution(process, created_at=datetime(2026, 12, 2, 4, 6, tzinfo=UTC))
    rows = list(csv.DictReader(io.StringIO(client.get(f"/demarches/{process.slug}/export.csv").text.lstrip("\ufeff"))))
    assert rows[0]["date_utc"] == "2026-12-02T04:06:00+00:00"
    document = json.loads(client.get(f"/demarches/{process.slug}/export.json").data)
    assert document["fuseau_horaire"].startswith("UTC")
    assert document["contributions"][0]["date_utc"].endswith("+00:00")
