"""Open-data exports: CSV, XLSX and JSON read back, filters, pseudonyms, formula neutralisation, round trip."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from contrib.extensions import db
from contrib.facilitation import imports
from contrib.models import Contribution, ContributionKind, ContributionSource, Role
from contrib.models.base import utcnow
from contrib.participation.exports import COLUMNS


@pytest.fixture
def world(factory):
    process = factory.process()
    author = factory.user(display_name="Jeanne Secret", email="jeanne.secret@exemple.fr")
    themes = process.themes
    factory.contribution(
        process, text='=HYPERLINK("http://evil")', author_id=author.id, kind=ContributionKind.DIAGNOSTIC
    )
    factory.contribution(
        process,
        text="+33 formateurs\nsur deux lignes",
        theme_id=themes[1].id,
        title="-titre",
        table_label="@Table 3",
        author_name="Paul Martin",
        source=ContributionSource.IMPORT,
        kind=ContributionKind.PROPOSAL,
    )
    factory.contribution(process, text="Une idée ordinaire", author_id=author.id, kind=ContributionKind.IDEA)
    factory.contribution(process, text="Contribution masquée", hidden_at=utcnow(), hidden_reason="spam")
    return process, author


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_csv_export_is_public_pseudonymised_and_neutralised(client, world):
    process, _author = world
    response = client.get(f"/demarches/{process.slug}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert list(rows[0]) == list(COLUMNS)
    assert [row["texte"] for row in rows] == [
        '\'=HYPERLINK("http://evil")',
        "'+33 formateurs\nsur deux lignes",
        "Une idée ordinaire",
    ]
    assert rows[1]["titre"] == "'-titre"
    assert rows[1]["table"] == "'@Table 3"
    assert rows[0]["auteur_pseudonyme"].startswith("auteur-")
    assert rows[0]["auteur_pseudonyme"] == rows[2]["auteur_pseudonyme"] != rows[1]["auteur_pseudonyme"]
    assert rows[0]["soutiens"] == "0"
    raw = response.data.decode("utf-8-sig")
    for secret in ("Jeanne", "jeanne.secret", "Paul Martin", "masquée"):
        assert secret not in raw


def test_xlsx_export_reads_back_with_neutralised_cells(client, world):
    process, _ = world
    response = client.get(f"/demarches/{process.slug}/export.xlsx")
    assert response.status_code == 200
    rows = read_xlsx(response.data)
    assert next(row["texte"] for row in rows) == '\'=HYPERLINK("http://evil")'
    assert rows[0]["id"] == db.session.execute(db.select(db.func.min(Contribution.id))).scalar_one()
    assert rows[0]["soutiens"] == 0
    workbook = load_workbook(io.BytesIO(response.data))
    assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)


def test_json_export_keeps_texts_verbatim_and_filters(client, world):
    process, _ = world
    response = client.get(f"/demarches/{process.slug}/export.json?type=idea")
    document = json.loads(response.data)
    assert [item["texte"] for item in document["contributions"]] == ["Une idée ordinaire"]
    assert document["filtres"] == {"type": "idea"}
    theme_id = process.themes[1].id
    document = json.loads(client.get(f"/demarches/{process.slug}/export.json?thematique={theme_id}").data)
    assert [item["texte"] for item in document["contributions"]] == ["+33 formateurs\nsur deux lignes"]
    assert document["contributions"][0]["thematique"] == process.themes[1].name


def test_pseudonym_depends_on_the_secret_key(app, client, world):
    process, _ = world
    before = read_csv(client.get(f"/demarches/{process.slug}/export.csv").data)[0]["auteur_pseudonyme"]
    app.config["SECRET_KEY"] = "another-secret"
    after = read_csv(client.get(f"/demarches/{process.slug}/export.csv").data)[0]["auteur_pseudonyme"]
    assert before != after


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_imports_back_as_the_same_contributions(client, factory, world, file_format):
    """Round trip: an export imported into a process with the same themes gives the same contributions."""
    process, _ = world
    content = client.get(f"/demarches/{process.slug}/export.{file_format}").data
    target = factory.process()
    facilitator = factory.user(Role.FACILITATOR)
    batch = imports.start_import(target.id, content, f"export.{file_format}", actor=facilitator)
    assert imports.confirm_import(target.id, batch.id, actor=facilitator).n_skipped == 0

    def summary(process_id):
        statement = (
            db.select(Contribution)
            .where(Contribution.process_id == process_id, Contribution.hidden_at.is_(None))
            .order_by(Contribution.id)
        )
        return [
            (c.theme.name, c.kind, c.title, c.text, c.table_label, c.actor_type)
            for c in db.session.execute(statement).scalars()
        ]

    assert summary(target.id) == summary(process.id)


def test_unknown_process_export_is_404(client):
    assert client.get("/demarches/inconnue/export.csv").status_code == 404


def test_export_counts_supports(client, factory):
    from contrib.participation import supports

    process = factory.process()
    contribution = factory.contribution(process, text="Une idée soutenue")
    for _ in range(2):
        supports.support(contribution.id, user=factory.user())
    rows = read_csv(client.get(f"/demarches/{process.slug}/export.csv").data)
    assert [(row["texte"], row["soutiens"]) for row in rows] == [("Une idée soutenue", "2")]


def _cache_files(folder) -> dict:
    """Each cached export file with its inode and modification time: rewritten files change both."""
    return {
        path.name: (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in folder.iterdir()
        if not path.name.startswith(".")
    }


def test_an_unchanged_export_is_served_from_the_cache_and_any_change_rebuilds_it(app, client, factory, world, tmp_path):
    process, _ = world
    tmp_path = tmp_path / "exports"
    app.config["EXPORT_CACHE_DIR"] = str(tmp_path)
    url = f"/demarches/{process.slug}/export.xlsx"
    first = client.get(url)
    cached = _cache_files(tmp_path)
    assert len(cached) == 1
    second = client.get(url)
    assert second.data == first.data
    assert _cache_files(tmp_path) == cached  # same file, not rewritten: nothing was rebuilt

    added = factory.contribution(process, text="Une contribution arrivée après le premier export")
    third = client.get(url)
    assert "Une contribution arrivée après le premier export" in [row["texte"] for row in read_xlsx(third.data)]
    rebuilt = _cache_files(tmp_path)
    assert len(rebuilt) == 1 and rebuilt.keys() != cached.keys()  # the stale file is gone

    added.hidden_at, added.hidden_reason = utcnow(), "spam"
    db.session.commit()
    fourth = client.get(url)
    assert "Une contribution arrivée après le premier export" not in [row["texte"] for row in read_xlsx(fourth.data)]
    assert _cache_files(tmp_path).keys() != rebuilt.keys()

    client.get(url, query_string={"type": "idea"})
    assert len(_cache_files(tmp_path)) == 2  # one file per filter


def test_supports_change_the_cached_export(app, client, factory, world, tmp_path):
    from contrib.participation import supports

    process, _ = world
    app.config["EXPORT_CACHE_DIR"] = str(tmp_path)
    url = f"/demarches/{process.slug}/export.csv"
    client.get(url)
    contribution = db.session.execute(
        db.select(Contribution).where(Contribution.text == "Une idée ordinaire")
    ).scalar_one()
    supports.support(contribution.id, user=factory.user())
    rows = {row["texte"]: row["soutiens"] for row in read_csv(client.get(url).data)}
    assert rows["Une idée ordinaire"] == "1"


def test_exports_are_rate_limited_with_a_french_message(factory, migrated_database, tmp_path):
    from tests.conftest import make_app

    factory.process(slug="limite")
    client = make_app(
        migrated_database, RATELIMIT_ENABLED=True, EXPORT_CACHE_DIR=str(tmp_path / "exports")
    ).test_client()
    statuses = [client.get("/demarches/limite/export.csv").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    response = client.get("/demarches/limite/export.xlsx")
    assert response.status_code == 429 and "Trop de tentatives" in response.text
