"""Importing workshop sheets: real CSV and XLSX files, preview, confirm, duplicates, hostile files, undo."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.extensions import db
from contrib.facilitation import columns, imports
from contrib.facilitation.sheets import MAX_ROWS
from contrib.models import (
    ActorType,
    AuditEntry,
    Contribution,
    ContributionKind,
    ContributionSource,
    ContributionStatus,
    ImportBatch,
    ImportStatus,
    Process,
    Role,
)
from tests.conftest import PASSWORD, csrf_token_from, make_app

HEADER = ["Thématique", "Type", "Texte", "Table", "Auteur", "Type d'acteur"]
ROWS = [
    ["Évaluation/qualité", "Diagnostic", "Les évaluations à chaud ne mesurent pas l'impact.", "Table 1", "Anne", "OF"],
    ["Evaluation / qualité", "idée", "Suivre les stagiaires six mois après la formation.", "Table 2", "", "Financeur"],
    ["metiers competences", "Signal faible", "Les métiers du soin attirent moins les jeunes.", "Table 3", "Paul", ""],
    [
        "Financements/priorisation",
        "piste",
        "Un fonds régional mutualisé pour les petites structures.",
        "Table 4",
        "",
        "",
    ],
]


def csv_bytes(rows=ROWS, header=HEADER, *, delimiter=";", encoding="utf-8", bom=False) -> bytes:
    lines = [
        delimiter.join(f'"{cell}"' if delimiter in cell or '"' in cell else cell for cell in row)
        for row in [header, *rows]
    ]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows=ROWS, header=HEADER, *, prepare=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Atelier"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if prepare:
        prepare(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def facilitator(factory):
    return factory.user(Role.FACILITATOR)


@pytest.fixture
def process(factory):
    return factory.process()


def n_contributions():
    return db.session.execute(db.select(db.func.count(Contribution.id))).scalar_one()


def n_batches():
    return db.session.execute(db.select(db.func.count(ImportBatch.id))).scalar_one()


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter", "detected"),
    [
        ("utf-8", False, ";", "UTF-8"),
        ("utf-8", True, ",", "UTF-8 (avec BOM)"),
        ("cp1252", False, ";", "Windows-1252"),
        ("latin-1", False, "\t", "Windows-1252"),
        ("utf-8", False, "\t", "UTF-8"),
    ],
)
def test_csv_in_each_encoding_and_separator_is_read(process, facilitator, encoding, bom, delimiter, detected):
    """Are accents, columns and separators read right whatever the spreadsheet program wrote?"""
    batch = imports.start_import(
        process.id, csv_bytes(delimiter=delimiter, encoding=encoding, bom=bom), "atelier.csv", actor=facilitator
    )
    assert batch.detected["encoding"] == detected
    assert batch.detected["delimiter"] == delimiter
    result = imports.preview(process.id, batch.id, actor=facilitator)
    assert result.n_valid == 4
    assert result.rows[0].values["text"] == "Les évaluations à chaud ne mesurent pas l'impact."
    assert n_contributions() == 0


def test_preview_matches_themes_and_kinds_fuzzily(process, facilitator):
    batch = imports.start_import(process.id, xlsx_bytes(), "atelier.xlsx", actor=facilitator)
    result = imports.preview(process.id, batch.id, actor=facilitator)
    evaluation = process.themes[0]
    assert result.theme_matches["Evaluation / qualité"] == (evaluation.id, False)
    assert result.rows[1].fields["theme_id"] == evaluation.id
    assert "rapprochée de « Évaluation/qualité »" in result.rows[1].notes[0]
    assert result.rows[1].fields["kind"] == ContributionKind.IDEA
    assert result.rows[2].fields["kind"] == ContributionKind.WEAK_SIGNAL
    assert result.rows[3].fields["kind"] == ContributionKind.TRACK
    assert result.rows[0].fields["actor_type"] == ActorType.TRAINING_ORG


def test_preview_then_confirm_imports_valid_rows_once(process, facilitator):
    """Preview writes nothing; confirm imports valid rows, counts them, audits the batch."""
    rows = [
        *ROWS,
        ["Thème inconnu du tout", "Diagnostic", "Texte valable", "Table 5", "", ""],
        ["Métiers/compétences", "Diagnostic", "   ", "Table 6", "", ""],
        ["Métiers/compétences", "Diagnostic", "x" * 5001, "Table 7", "", ""],
        ["Métiers/compétences", "Diagnostic", "Bonjour <script>alert(1)</script>", "Table 8", "", ""],
    ]
    batch = imports.start_import(process.id, csv_bytes(rows), "atelier.csv", actor=facilitator)
    result = imports.preview(process.id, batch.id, actor=facilitator)
    problems = {row.line_number: row.problems for row in result.rows}
    assert problems[6] == ["Thématique : « Thème inconnu du tout » inconnue dans cette démarche."]
    assert problems[7] == ["Texte : ce champ est obligatoire (il est vide ou ne contient que des espaces)."]
    assert "5001 caractères, c'est trop long" in problems[8][0]
    assert "balises HTML" in problems[9][0]
    assert n_contributions() == 0

    outcome = imports.confirm_import(process.id, batch.id, actor=facilitator)
    assert (outcome.n_imported, outcome.n_skipped) == (4, 4)
    stored = db.session.execute(db.select(Contribution).order_by(Contribution.id)).scalars().all()
    assert [c.text for c in stored] == [row[2] for row in ROWS]
    first = stored[0]
    assert first.source == ContributionSource.IMPORT
    assert first.entered_by_id == facilitator.id
    assert (first.table_label, first.author_name, first.author_id) == ("Table 1", "Anne", None)
    assert db.session.get(Process, process.id).n_contributions == 4
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.CONFIRMED
    actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
    assert "imports:batch:confirm" in actions


def test_reimporting_the_same_rows_creates_no_duplicates(process, facilitator):
    first = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    imports.confirm_import(process.id, first.id, actor=facilitator)
    # Same rows again, typed by someone else in another format, plus one new row.
    second = imports.start_import(
        process.id,
        xlsx_bytes([*ROWS, ["Métiers/compétences", "Idée", "Nouvelle", "T9", "", ""]]),
        "ressaisie.xlsx",
        actor=facilitator,
    )
    preview = imports.preview(process.id, second.id, actor=facilitator)
    assert preview.n_valid == 1
    assert preview.rows[0].problems == ["Déjà importée : cette ligne est déjà dans la démarche (import précédent)."]
    outcome = imports.confirm_import(process.id, second.id, actor=facilitator)
    assert (outcome.n_imported, outcome.n_skipped) == (1, 4)
    assert n_contributions() == 5
    assert db.session.get(Process, process.id).n_contributions == 5


def test_duplicate_rows_inside_a_file_are_imported_once(process, facilitator):
    batch = imports.start_import(process.id, csv_bytes([ROWS[0], ROWS[0]]), "a.csv", actor=facilitator)
    result = imports.preview(process.id, batch.id, actor=facilitator)
    assert result.rows[1].problems == ["Doublon : même texte, thématique et table que la ligne 2."]


def test_confirming_twice_is_refused(process, facilitator):
    batch = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    imports.confirm_import(process.id, batch.id, actor=facilitator)
    with pytest.raises(Conflict, match="déjà traité"):
        imports.confirm_import(process.id, batch.id, actor=facilitator)
    assert n_contributions() == 4


def test_mapping_and_theme_choices_are_editable(process, facilitator):
    header = ["Col A", "Col B"]
    rows = [["Qualité des formations", "Un texte"]]
    batch = imports.start_import(process.id, csv_bytes(rows, header), "a.csv", actor=facilitator)
    assert imports.preview(process.id, batch.id, actor=facilitator).missing_fields == ["Thématique", "Texte"]
    with pytest.raises(InvalidInput, match="Indiquez quelle colonne contient : Thématique, Texte"):
        imports.confirm_import(process.id, batch.id, actor=facilitator)
    target = process.themes[5]
    imports.update_mapping(
        process.id,
        batch.id,
        columns={"theme": 0, "text": 1},
        theme_choices={"Qualité des formations": target.id},
        actor=facilitator,
    )
    assert imports.confirm_import(process.id, batch.id, actor=facilitator).n_imported == 1
    assert db.session.execute(db.select(Contribution.theme_id)).scalar_one() == target.id


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (150 * 1024 * 1024))
    return buffer.getvalue()


def _with_member(name: str, content: str) -> bytes:
    """A real workbook with one of its XML parts replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, content if item.filename == name else source.read(item.filename))
    return buffer.getvalue()


_ENTITIES = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e0 "lol">{_ENTITIES}]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&e9;</t></is></c></row></sheetData></worksheet>'
)


def _hide_first(workbook):
    hidden = workbook.create_sheet("Brouillon", 0)
    hidden.append(["Thématique", "Texte"])
    hidden.append(["Métiers/compétences", "Ligne d'une feuille masquée"])
    hidden.sheet_state = "hidden"


HOSTILE = [
    ("binaire.csv", lambda: bytes(range(256)) * 64, "n'est pas un fichier texte"),
    ("classeur.csv", lambda: xlsx_bytes(), "classeur Excel (ou une archive ZIP) renommé en .csv"),
    ("bombe.xlsx", _zip_bomb, "bombe zip"),
    ("texte.xlsx", lambda: csv_bytes(), "n'est pas un vrai classeur Excel"),
    (
        "formule.xlsx",
        lambda: xlsx_bytes([["Métiers/compétences", "Idée", "=1+1", "T1", "", ""]]),
        "La cellule C2 de la feuille « Atelier » contient une formule",
    ),
    ("vide.xlsx", lambda: xlsx_bytes([], []), "La feuille « Atelier » est vide"),
    ("entete.csv", lambda: csv_bytes([]), "qu'une ligne d'en-tête"),
    (
        "fusion.xlsx",
        lambda: xlsx_bytes(prepare=lambda wb: wb.active.merge_cells("A2:A4")),
        "cellules fusionnées (A2:A4)",
    ),
    (
        "enorme.csv",
        lambda: csv_bytes([["Métiers/compétences", "Idée", f"Texte {i}", "", "", ""] for i in range(MAX_ROWS + 1)]),
        "plus de 20 000 lignes",
    ),
    ("lourd.csv", lambda: b"Texte\n" + b"a" * (5 * 1024 * 1024), "c'est trop lourd (maximum 5 Mo)"),
    ("vieux.xls", lambda: b"\xd0\xcf\x11\xe0", "anciens classeurs Excel (.xls)"),
    ("image.png", lambda: b"\x89PNG", "Format non reconnu"),
    ("rien.csv", lambda: b"", "Le fichier est vide."),
    ("entites.xlsx", lambda: _with_member("xl/worksheets/sheet1.xml", BILLION_LAUGHS), "classeur Excel est abîmé"),
    (
        "xml-casse.xlsx",
        lambda: _with_member("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>"),
        "classeur Excel est abîmé",
    ),
    ("classeur-casse.xlsx", lambda: _with_member("xl/workbook.xml", "n'importe quoi"), "classeur Excel est abîmé"),
]


@pytest.mark.parametrize(("filename", "build", "message"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_files_are_refused_and_nothing_is_written(process, facilitator, filename, build, message):
    with pytest.raises(InvalidInput) as raised:
        imports.start_import(process.id, build(), filename, actor=facilitator)
    assert message in raised.value.message
    assert n_batches() == 0
    assert n_contributions() == 0


def test_hidden_sheets_are_ignored_and_said(process, facilitator):
    batch = imports.start_import(process.id, xlsx_bytes(prepare=_hide_first), "a.xlsx", actor=facilitator)
    assert batch.detected["sheet_name"] == "Atelier"
    assert batch.detected["notes"] == ["Feuilles masquées ignorées : Brouillon."]
    assert imports.preview(process.id, batch.id, actor=facilitator).n_valid == 4


def test_undo_hides_the_batch_without_deleting(process, facilitator):
    batch = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    imports.confirm_import(process.id, batch.id, actor=facilitator)
    assert imports.undo_import(process.id, batch.id, actor=facilitator) == 4
    stored = db.session.execute(db.select(Contribution)).scalars().all()
    assert len(stored) == 4
    assert all(c.hidden_at is not None and c.hidden_reason == "import annulé" for c in stored)
    assert db.session.get(Process, process.id).n_contributions == 0
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.UNDONE
    # After an undo the same sheet may be imported again.
    again = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    assert imports.confirm_import(process.id, again.id, actor=facilitator).n_imported == 4


def test_undo_is_refused_when_moderation_used_a_contribution(process, facilitator):
    batch = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    imports.confirm_import(process.id, batch.id, actor=facilitator)
    merged = db.session.execute(db.select(Contribution).order_by(Contribution.id)).scalars().first()
    merged.status = ContributionStatus.MERGED
    db.session.commit()
    with pytest.raises(Conflict) as raised:
        imports.undo_import(process.id, batch.id, actor=facilitator)
    assert raised.value.message == (
        f"Annulation impossible : la modération a déjà utilisé 1 contribution de cet import : "
        f"n° {merged.id} (intégrée à une proposition). Rien n'a été masqué."
    )
    assert db.session.execute(db.select(Contribution).where(Contribution.hidden_at.is_not(None))).first() is None
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.CONFIRMED


def test_cancelled_draft_imports_nothing(process, facilitator):
    batch = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    imports.cancel_import(process.id, batch.id, actor=facilitator)
    assert db.session.get(ImportBatch, batch.id).cells is None
    with pytest.raises(Conflict):
        imports.confirm_import(process.id, batch.id, actor=facilitator)
    assert n_contributions() == 0


# --- through the web pages ---------------------------------------------------------------


def test_web_upload_preview_confirm_and_undo(client, auth, process, facilitator):
    auth.login(facilitator)
    page = client.get(f"/demarches/{process.slug}")
    assert "Importer une feuille d'atelier" in page.text
    response = client.post(
        f"/demarches/{process.slug}/import",
        data={"file": (io.BytesIO(xlsx_bytes()), "atelier.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = client.get(response.location)
    assert "Importer les 4 lignes valides" in preview.text
    assert "rapprochement à vérifier" in preview.text
    assert n_contributions() == 0
    batch_id = db.session.execute(db.select(ImportBatch.id)).scalar_one()
    response = client.post(f"/demarches/{process.slug}/import/{batch_id}/confirmer", follow_redirects=True)
    assert "4 contributions importées ; 0 ligne ignorée." in response.text
    response = client.post(f"/demarches/{process.slug}/import/{batch_id}/annuler", follow_redirects=True)
    assert "Import annulé : 4 contributions masquées (elles restent consultables" in response.text
    # The button under the title no longer speaks of them as imported.
    assert "Voir les 4 contributions masquées par l'annulation" in response.text
    assert "Voir les 4 contributions importées" not in response.text


def test_web_hostile_upload_shows_the_french_message(client, auth, process, facilitator):
    auth.login(facilitator)
    response = client.post(
        f"/demarches/{process.slug}/import",
        data={"file": (io.BytesIO(bytes(range(256)) * 8), "atelier.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "n&#39;est pas un fichier texte" in response.text
    assert n_batches() == 0


def test_participant_sees_no_import_link(client, auth, factory, process):
    auth.login(factory.user(Role.PARTICIPANT))
    assert "Importer une feuille" not in client.get(f"/demarches/{process.slug}").text


def test_only_the_importer_or_a_moderator_may_undo(process, facilitator, factory):
    batch = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    imports.confirm_import(process.id, batch.id, actor=facilitator)
    with pytest.raises(NotFound, match="Import introuvable"):
        imports.undo_import(process.id, batch.id, actor=factory.user(Role.FACILITATOR))
    assert imports.undo_import(process.id, batch.id, actor=factory.user(Role.MODERATOR)) == 4


def test_multiline_cells_keep_their_starting_line_number(process, facilitator):
    data = 'Thématique;Texte\nMétiers/compétences;"Ligne un\nligne deux"\nMétiers/compétences;\n'.encode()
    batch = imports.start_import(process.id, data, "a.csv", actor=facilitator)
    rows = imports.preview(process.id, batch.id, actor=facilitator).rows
    assert [row.line_number for row in rows] == [2, 4]
    assert rows[1].problems == ["Texte : ce champ est obligatoire (il est vide ou ne contient que des espaces)."]


def test_web_mapping_correction_changes_the_preview(client, auth, process, facilitator):
    auth.login(facilitator)
    batch = imports.start_import(
        process.id,
        csv_bytes([["Qualité", "Un texte <b>gras</b>"], ["Qualité", "Bon"]], ["A", "B"]),
        "a.csv",
        actor=facilitator,
    )
    page = client.get(f"/demarches/{process.slug}/import/{batch.id}")
    assert "Indiquez quelle colonne contient : Thématique, Texte." in page.text
    target = process.themes[0]
    response = client.post(
        f"/demarches/{process.slug}/import/{batch.id}/correspondance",
        data={"colonne_theme": "0", "colonne_text": "1", "valeur_theme_1": "Qualité", "theme_1": str(target.id)},
        follow_redirects=True,
    )
    assert "Aperçu mis à jour." in response.text
    assert "Importer la ligne valide<" in response.text
    assert "1 valide<" in response.text and "1 valides" not in response.text
    # The file's HTML is shown as text, never as markup.
    assert "Un texte &lt;b&gt;gras&lt;/b&gt;" in response.text
    assert "<b>gras</b>" not in response.text


def test_batch_of_another_process_is_not_found(client, auth, factory, process, facilitator):
    auth.login(facilitator)
    batch = imports.start_import(process.id, csv_bytes(), "a.csv", actor=facilitator)
    other = factory.process()
    assert client.get(f"/demarches/{other.slug}/import/{batch.id}").status_code == 404
    client.post(f"/demarches/{other.slug}/import/{batch.id}/confirmer")
    assert n_contributions() == 0


def test_closed_process_refuses_imports(process, facilitator):
    process.is_open = False
    db.session.commit()
    with pytest.raises(NotAllowed, match="close"):
        imports.start_import(process.id, csv_bytes(), "a.csv", actor=facilitator)
    assert n_batches() == 0


def test_upload_over_the_request_limit_gets_the_french_413_page(client, auth, process, facilitator):
    auth.login(facilitator)
    response = client.post(
        f"/demarches/{process.slug}/import",
        data={"file": (io.BytesIO(b"a" * (6 * 1024 * 1024)), "gros.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.text
    assert n_batches() == 0


def test_upload_without_csrf_token_is_refused(migrated_database, factory):
    """Is an upload without its CSRF token refused in French, and accepted with it?"""
    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        slug = factory.process().slug
        email = factory.user(Role.FACILITATOR).email
    token = csrf_token_from(client.get("/connexion").text)
    client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token})
    response = client.post(
        f"/demarches/{slug}/import",
        data={"file": (io.BytesIO(csv_bytes()), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.text
    assert n_batches() == 0
    token = csrf_token_from(client.get(f"/demarches/{slug}/import").text)
    response = client.post(
        f"/demarches/{slug}/import",
        data={"file": (io.BytesIO(csv_bytes()), "a.csv"), "csrf_token": token},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Importer les" in response.text, "the preview of the uploaded sheet"
    assert n_batches() == 1


def test_preview_counts_problems_by_kind(process, facilitator):
    rows = [
        ["Inconnue A", "Idée", "Texte un", "", "", ""],
        ["Inconnue B", "Idée", "Texte deux", "", "", ""],
        ["Métiers/compétences", "Idée", "y" * 5001, "", "", ""],
    ]
    batch = imports.start_import(process.id, csv_bytes(rows), "a.csv", actor=facilitator)
    counts = imports.preview(process.id, batch.id, actor=facilitator).problem_counts
    assert counts["Thématique : « … » inconnue dans cette démarche."] == 2
    assert sum(counts.values()) == 3


def test_the_preview_page_counts_problems_in_plain_french(client, auth, process, facilitator):
    """Does the facilitator read « 2 lignes : … » and « 1 ligne : … » rather than « … : 1 ligne(s) »?"""
    rows = [
        ["Inconnue A", "Idée", "Texte un", "", "", ""],
        ["Inconnue B", "Idée", "Texte deux", "", "", ""],
        ["Métiers/compétences", "Idée", "", "", "", ""],
    ]
    batch = imports.start_import(process.id, csv_bytes(rows), "a.csv", actor=facilitator)
    auth.login(facilitator)
    page = client.get(f"/demarches/{process.slug}/import/{batch.id}").text
    assert "<li>2 lignes : Thématique : « … » inconnue dans cette démarche.</li>" in page
    assert "<li>1 ligne : Texte : ce champ est obligatoire" in page
    assert "(s)" not in page


def test_formatted_empty_rows_do_not_count_towards_the_row_limit(process, facilitator):
    def pad(workbook):
        sheet = workbook.active
        sheet.delete_rows(2, len(ROWS))
        bold = Font(bold=True)
        for row in range(2, MAX_ROWS + 10):
            sheet.cell(row=row, column=1).font = bold
        sheet.cell(row=MAX_ROWS + 10, column=1, value="Métiers/compétences")
        sheet.cell(row=MAX_ROWS + 10, column=3, value="Tout en bas de la feuille")

    batch = imports.start_import(process.id, xlsx_bytes(prepare=pad), "a.xlsx", actor=facilitator)
    rows = imports.preview(process.id, batch.id, actor=facilitator).rows
    assert [(row.line_number, row.values["text"]) for row in rows] == [(MAX_ROWS + 10, "Tout en bas de la feuille")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Thématique", "Type", "Texte"], {"theme": 0, "kind": 1, "text": 2}),
        (
            ["thematique", "type de contribution", "Contribution", "Titre"],
            {"theme": 0, "kind": 1, "text": 2, "title": 3},
        ),
        (
            ["THÈME", "Texte ", "N° table", "Auteur", "Type d'acteur"],
            {"theme": 0, "text": 1, "table": 2, "author": 3, "actor_type": 4},
        ),
        (
            ["Thèmatique", "Contributions", "Table", "Type d’acteur"],
            {"theme": 0, "text": 1, "table": 2, "actor_type": 3},
        ),
    ],
)
def test_french_header_variations_are_recognised(header, expected):
    mapping = columns.guess_mapping(header)
    assert {name: index for name, index in mapping.items() if index is not None} == expected


def test_web_mapping_with_numbers_that_are_not_columns_changes_nothing(client, auth, process, facilitator):
    """ "²" passes str.isdigit() but not int() (it was a 500); it reads as "no column", like any other word."""
    auth.login(facilitator)
    batch_id = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator).id
    response = client.post(
        f"/demarches/{process.slug}/import/{batch_id}/correspondance",
        data={"colonne_text": "²", "valeur_theme_0": "Métiers", "theme_0": "9223372036854775808"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.mapping["text"] is None and batch.theme_choices == {"Métiers": None}
    assert n_contributions() == 0


@pytest.mark.parametrize(
    "texts, button, lines",
    [
        (["", ""], "Aucune ligne valide à importer", "2 : <strong>0 valide</strong>, 2 à corriger ou déjà présentes"),
        (["Idée.", ""], "Importer la ligne valide", "2 : <strong>1 valide</strong>, 1 à corriger ou déjà présente<"),
        (["Une idée.", "Une autre."], "Importer les 2 lignes valides", "2 : <strong>2 valides</strong>, 0 à corriger"),
    ],
)
def test_the_preview_counts_its_lines_in_french(client, auth, factory, texts, button, lines):
    """« Importer les 1 lignes valides » read wrong: the confirm button and the line counts agree with the number."""
    process = factory.process()
    facilitator = factory.user(Role.FACILITATOR)
    rows = "".join(f"{process.themes[0].name};Idée;{text}\n" for text in texts)
    batch = imports.start_import(process.id, f"Thématique;Type;Texte\n{rows}".encode(), "a.csv", actor=facilitator)
    auth.login(facilitator)
    page = client.get(f"/demarches/{process.slug}/import/{batch.id}").text
    assert re.search(rf">\s*{button}</button>", page), page[page.find("<h2>Confirmer") :][:600]
    assert lines in page
