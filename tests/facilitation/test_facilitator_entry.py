"""Facilitator entry: blank sheets to download that the importer accepts, the imported contributions
listed after an import, the import button on the process page, the cursor back in the text box."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from contrib.extensions import db
from contrib.facilitation import columns, imports
from contrib.models import Contribution, ImportBatch, ImportedRow, Role

ROWS = [  # in the template's column order: theme, kind, text, title, table, author, actor type
    ["Évaluation/qualité", "Diagnostic", "Les évaluations à chaud ne mesurent pas l'impact.", "", "Table 1", "", ""],
    [
        "Métiers/compétences",
        "Idée",
        "Former les tuteurs avant l'arrivée des apprentis.",
        "Tutorat",
        "Table 2",
        "Anne",
        "OF",
    ],
]


@pytest.fixture
def process(factory):
    return factory.process(slug="pessac")


@pytest.fixture
def facilitator(factory):
    return factory.user(Role.FACILITATOR)


def _import(client, slug, name, content):
    response = client.post(
        f"/demarches/{slug}/import", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.text
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def test_the_csv_template_has_the_importer_columns_and_imports_once_filled(client, auth, process, facilitator):
    auth.login(facilitator)
    response = client.get(f"/demarches/{process.slug}/import/modele.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert header == [columns.FIELD_LABELS[name] for name in columns.FIELDS]
    assert response.data.decode("utf-8-sig").count("\n") == 1  # no made-up row that could be imported
    filled = response.data + "\r\n".join(";".join(row) for row in ROWS).encode() + b"\r\n"
    batch_id = _import(client, process.slug, "modele.csv", filled)
    preview = imports.preview(process.id, batch_id, actor=facilitator)
    assert preview.n_valid == 2 and not preview.missing_fields
    # Every column of the template is recognised, each by its own name.
    assert {name: preview.batch.mapping.get(name) for name in columns.FIELDS} == {
        name: index for index, name in enumerate(columns.FIELDS)
    }
    assert all(exact for _, exact in preview.theme_matches.values())


def test_the_xlsx_template_offers_the_process_values_and_imports_once_filled(client, auth, process, facilitator):
    auth.login(facilitator)
    response = client.get(f"/demarches/{process.slug}/import/modele.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet, values = workbook["Fiches"], workbook["Valeurs"]
    assert [cell.value for cell in sheet[1]] == [columns.FIELD_LABELS[name] for name in columns.FIELDS]
    assert sheet.max_row == 1
    themes = [row[0].value for row in values.iter_rows(min_row=2, max_col=1) if row[0].value]
    assert themes == [theme.name for theme in process.themes]
    assert len(sheet.data_validations.dataValidation) == 3
    for row in ROWS:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    batch_id = _import(client, process.slug, "modele.xlsx", out.getvalue())
    client.post(f"/demarches/{process.slug}/import/{batch_id}/confirmer")
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 2


def test_templates_are_for_facilitators_only(client, auth, process, factory):
    assert client.get(f"/demarches/{process.slug}/import/modele.csv").location.startswith("/connexion")
    auth.login(factory.user())
    assert client.get(f"/demarches/{process.slug}/import/modele.xlsx").status_code == 403


def test_after_an_import_a_link_lists_the_imported_contributions(client, auth, process, facilitator, factory):
    other = factory.contribution(process, text="Une contribution déposée en ligne, pas importée.")
    auth.login(facilitator)
    template = client.get(f"/demarches/{process.slug}/import/modele.csv").data
    batch_id = _import(client, process.slug, "atelier.csv", template + ";".join(ROWS[1]).encode() + b"\r\n")
    page = client.post(f"/demarches/{process.slug}/import/{batch_id}/confirmer", follow_redirects=True).text
    link = f"/demarches/{process.slug}/import/{batch_id}/contributions"
    assert f'href="{link}">Voir la contribution importée</a>' in page
    listing = client.get(link).text
    imported = db.session.scalar(db.select(ImportedRow.contribution_id).where(ImportedRow.batch_id == batch_id))
    assert f"n° {imported}</a>" in listing and "Former les tuteurs" in listing
    assert f"n° {other.id}</a>" not in listing  # only this import's contributions
    # Another facilitator does not see someone else's import.
    auth.logout()
    auth.login(factory.user(Role.FACILITATOR))
    assert client.get(link).status_code == 404


def test_the_process_page_shows_both_facilitator_buttons(client, auth, process, facilitator, factory):
    auth.login(facilitator)
    page = client.get(f"/demarches/{process.slug}").text
    assert re.search(r'class="button secondary" href="/demarches/pessac/import">Importer une feuille d', page)
    assert re.search(r'class="button secondary" href="/demarches/pessac/saisie-atelier">Saisir les fiches', page)
    auth.logout()
    auth.login(factory.user())
    assert "Importer une feuille d'atelier" not in client.get(f"/demarches/{process.slug}").text


def test_after_saving_a_sheet_the_cursor_waits_in_the_text_box(client, auth, process, facilitator):
    auth.login(facilitator)
    url = f"/demarches/{process.slug}/saisie-atelier"
    first = client.get(url).text
    assert "autofocus" not in first and '<details class="table-context" open>' in first
    saved = client.post(
        url,
        data={
            "table_label": "Table 4",
            "n_participants": "5",
            "actor_type": "trainer",
            "theme_id": str(process.themes[0].id),
            "kind": "idea",
            "text": "Des financements plus rapides pour les entrées en formation.",
        },
    )
    assert saved.status_code == 302
    page = client.get(saved.location).text
    assert re.search(r'<textarea[^>]*autofocus[^>]*name="text"|<textarea[^>]*name="text"[^>]*autofocus', page)
    assert '<details class="table-context">' in page and "Table 4 · 5 personnes · Formateur" in page
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0
