"""Hostile input is refused or bounded fast: no request may hold a worker for seconds.

Costs are measured as the CPU time of the thread that runs the request (``timed``) and
compared to a generous bound (a denial-of-service guard, not a speed benchmark): the old code took
seconds to days of CPU here. CPU time, not wall time: on a machine shared by many test runs (load 14
on 2 cores) the wall clock of a 0.1 s request passed 1 s, while the CPU a request costs is what an
attacker exhausts.
"""

import re
from urllib.parse import urlencode

import pytest

from contrib.core.errors import InvalidInput
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import Comment, Contribution, Report
from tests.conftest import timed

FIVE_MB = 5_000_000
# The body that made the old tag pattern backtrack quadratically: 5 MB of it would take days.
BACKTRACKING_BODY = "<" + " " * (FIVE_MB - 2) + "x"


def post_encoded(client, url: str, fields: dict):
    """POST a form encoded beforehand: the test client's own encoding of 5 MB (a Python loop per byte) is not timed."""
    body = urlencode(fields).encode()
    return timed(lambda: client.post(url, data=body, content_type="application/x-www-form-urlencoded"))


class TestFiveMegabyteBodies:
    """A 5 MB hostile body through the real forms: refused by the length check, fast, nothing stored."""

    def test_contribution(self, client, factory, auth):
        process = factory.process()
        auth.login(factory.user())
        client.get(f"/demarches/{process.slug}/contribuer")  # templates compiled: only the refusal is timed
        response, seconds = post_encoded(
            client,
            f"/demarches/{process.slug}/contribuer",
            {"theme_id": process.themes[0].id, "kind": "idea", "title": "", "text": BACKTRACKING_BODY},
        )
        assert response.status_code == 400
        assert "c&#39;est trop long (maximum 5000)" in response.text
        assert seconds < 1
        assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 0

    def test_comment(self, client, factory, auth):
        process = factory.process()
        contribution = factory.contribution(process)
        auth.login(factory.user())
        client.get(f"/contributions/{contribution.id}")
        response, seconds = post_encoded(
            client, f"/contributions/{contribution.id}/commentaires", {"text": BACKTRACKING_BODY}
        )
        assert response.status_code == 400
        assert "c&#39;est trop long (maximum 2000)" in response.text
        assert seconds < 1
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0

    def test_report_details(self, client, factory, auth):
        process = factory.process()
        contribution = factory.contribution(process)
        auth.login(factory.user())
        client.get(f"/contributions/{contribution.id}")
        response, seconds = post_encoded(
            client, f"/contributions/{contribution.id}/signaler", {"reason": "other", "details": BACKTRACKING_BODY}
        )
        assert response.status_code == 400
        assert "c&#39;est trop long (maximum 500)" in response.text
        assert seconds < 1
        assert db.session.scalar(db.select(db.func.count(Report.id))) == 0

    def test_a_normal_comment_still_goes_through(self, client, factory, auth):
        """The control: the same route stores an ordinary comment."""
        contribution = factory.contribution(factory.process())
        auth.login(factory.user())
        assert (
            client.post(
                f"/contributions/{contribution.id}/commentaires", data={"text": "Bonne idée, a < b et <3"}
            ).status_code
            == 302
        )
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 1


HOSTILE_TAG_INPUTS = {
    "spaces after <": "<" + " " * 100_000 + "x",
    "unclosed tag": "<a" + " " * 100_000,
    "many <": "<" * 100_000,
    "many < and spaces": "< " * 50_000 + "x",
    "many unclosed tags": "<a " * 33_000,
    "slash and spaces": "< /" + " " * 100_000 + "x",
    "many </": "</ " * 33_000,
}


@pytest.mark.parametrize("text", HOSTILE_TAG_INPUTS.values(), ids=HOSTILE_TAG_INPUTS.keys())
def test_the_tag_check_is_linear_on_hostile_text(text):
    """Under the length limit, the tag check alone scans 100,000 hostile characters fast."""
    _, seconds = timed(lambda: clean_text(text, field_label="Texte", max_length=len(text)))
    assert seconds < 0.5


@pytest.mark.parametrize("text", ["a < b", "<3", "1 <2 et 3> 2", "x<y", "<<<", "< 3 >", "des flèches <-- et -->"])
def test_text_that_only_looks_like_a_tag_is_accepted(text):
    assert clean_text(text, field_label="Texte", max_length=100) == text


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "</b>",
        "<img src=x onerror=alert(1)>",
        "< b >",
        "< / b>",
        "<!-- commentaire -->",
        "<a\nhref='x'>lien",
    ],
)
def test_tags_are_refused(text):
    with pytest.raises(InvalidInput, match="balises HTML"):
        clean_text(text, field_label="Texte", max_length=100)


def test_a_too_long_text_is_refused_by_its_length_whatever_it_contains():
    with pytest.raises(InvalidInput, match="c'est trop long"):
        clean_text("<script>" * 1000, field_label="Texte", max_length=5000)


INVISIBLE = {
    "right-to-left override": "\u202e",
    "left-to-right embedding": "\u202a",
    "pop directional": "\u202c",
    "left-to-right isolate": "\u2066",
    "pop isolate": "\u2069",
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_names_and_titles_refuse_bidi_and_zero_width_characters(char):
    with pytest.raises(InvalidInput, match="caractères invisibles"):
        clean_text(f"Équipe{char}CPOF", field_label="Nom affiché", max_length=80, multiline=False)


BIDI = {name: char for name, char in INVISIBLE.items() if char in "\u202a\u202c\u202e\u2066\u2069"}


@pytest.mark.parametrize("char", BIDI.values(), ids=BIDI.keys())
def test_bodies_refuse_bidi_controls(char):
    with pytest.raises(InvalidInput, match="caractères invisibles"):
        clean_text(f"Un texte {char}inversé", field_label="Texte", max_length=500)


@pytest.mark.parametrize("text", ["Bravo 👩\u200d💻 !", "Famille 👨\u200d👩\u200d👧", "mot\u200bà\u200bmot"])
def test_bodies_keep_zero_width_characters(text):
    """Bodies stay permissive: the zero-width joiner builds emoji, the others hint line breaks."""
    assert clean_text(text, field_label="Texte", max_length=500) == text


def test_a_plain_name_is_accepted():
    assert clean_text("Équipe Pessac", field_label="Nom affiché", max_length=80, multiline=False) == "Équipe Pessac"


def test_a_bidi_override_in_a_contribution_title_is_refused_through_the_form(client, factory, auth):
    process = factory.process()
    auth.login(factory.user())
    response = client.post(
        f"/demarches/{process.slug}/contribuer",
        data={
            "theme_id": process.themes[0].id,
            "kind": "idea",
            "title": "Titre \u202eeuqitilop",
            "text": "Un texte ordinaire.",
            "similar_checked": "1",
        },
    )
    assert response.status_code == 400
    assert "Titre : le texte contient des caractères invisibles" in response.text
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 0


def _regex_cases():
    """Every other pattern of the code base that could backtrack, each on its hostile shape and on a normal value."""
    from contrib.accounts import rules
    from contrib.assistant import llm as assistant_llm
    from contrib.facilitation import rows
    from nlp.citations import parse_citations

    def email(value):
        try:
            return rules.normalise_email(value)
        except InvalidInput:
            return None

    n = 50_000
    many_quotes = "Thématique : « " + "« " * n + "x» » inconnue."
    return [
        ("e-mail of dots", lambda: email("a@" + "." * n + "@"), None),
        ("e-mail", lambda: email("Prenom.Nom@Exemple.fr"), "prenom.nom@exemple.fr"),
        ("import problem kind", lambda: rows._problem_kind(many_quotes), many_quotes),
        (
            "import problem kind, normal",
            lambda: rows._problem_kind("Thématique : « Métiers 2 » inconnue, ligne 3."),
            "Thématique : « … » inconnue, ligne N.",
        ),
        ("citations with spaces", lambda: parse_citations("a" + " " * n + "b")[0], "a b"),
        ("citations", lambda: parse_citations("Former les tuteurs [3, 4] .")[0], "Former les tuteurs."),
        ("assistant heading", lambda: bool(assistant_llm._ARGUMENTS.match("arguments" + " " * n + "x")), False),
        ("assistant heading, normal", lambda: bool(assistant_llm._ARGUMENTS.match("Arguments :")), True),
    ]


@pytest.mark.parametrize("case", range(8))
def test_other_patterns_are_linear_and_unchanged_on_normal_text(case):
    label, call, expected = _regex_cases()[case]
    result, seconds = timed(call)
    assert result == expected, label
    assert seconds < 0.5, label


def xlsx_by_hand(dimension: str | None, cells: dict[str, str]) -> bytes:
    """A minimal workbook written by hand: one sheet, inline strings at the given references, any dimension."""
    import io
    import re
    import zipfile

    rows: dict[int, list[str]] = {}
    for reference, value in cells.items():
        rows.setdefault(int(re.sub(r"[A-Z]", "", reference)), []).append(
            f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'
        )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + "<sheetData>"
        + "".join(f'<row r="{n}">{"".join(rows[n])}</row>' for n in sorted(rows))
        + "</sheetData></worksheet>"
    )
    main = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{main}"><sheets><sheet name="Atelier" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


SHEET_CELLS = {"A1": "Thématique", "B1": "Texte", "A2": "Métiers", "B2": "Former les tuteurs en entreprise"}


def _upload(client, slug: str, data: bytes):
    import io

    return timed(
        lambda: client.post(
            f"/demarches/{slug}/import",
            data={"file": (io.BytesIO(data), "atelier.xlsx")},
            content_type="multipart/form-data",
        )
    )


SPARSE_BOMBS = {
    # The file: 16,384 declared columns, one cell in row 1000 (4.3 s with the old reader).
    "declared XFD1000": ("A1:XFD1000", {**SHEET_CELLS, "XFD1000": "x"}, "16384 colonnes : c'est trop (maximum 50)"),
    "declared last row": ("A1:B1048576", {**SHEET_CELLS, "B1048576": "x"}, "données au-delà de la ligne 60 000"),
    # A dimension that lies small: reading still stops at the line limit.
    "hidden last row": ("A1:B2", {**SHEET_CELLS, "B1048576": "x"}, "données au-delà de la ligne 60 000"),
    "no dimension, last row": (None, {**SHEET_CELLS, "A1048576": "x"}, "données au-delà de la ligne 60 000"),
}


@pytest.mark.parametrize("case", SPARSE_BOMBS.values(), ids=SPARSE_BOMBS.keys())
def test_a_sparse_workbook_is_refused_fast_and_nothing_is_stored(client, factory, auth, case):
    from contrib.models import ImportBatch, Role

    dimension, cells, message = case
    process = factory.process()
    auth.login(factory.user(Role.FACILITATOR))
    data = xlsx_by_hand(dimension, cells)
    assert len(data) < 2500
    client.get(f"/demarches/{process.slug}/import")
    response, seconds = _upload(client, process.slug, data)
    assert response.status_code == 400
    assert message.replace("'", "&#39;") in response.text
    assert seconds < 1
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0


def test_a_dimension_that_lies_costs_nothing_and_the_real_rows_are_read(client, factory, auth):
    """The control: the same hand-made file without the far cell imports, its rows read past a dimension
    that says less (the old reader dropped them), and a far cell past the column limit costs nothing."""
    from contrib.models import ImportBatch, Role

    process = factory.process()
    auth.login(factory.user(Role.FACILITATOR))
    cells = {**SHEET_CELLS, "A3": "Métiers", "B3": "Un atelier par mois", "XFD3": "ignoré"}
    response, seconds = _upload(client, process.slug, xlsx_by_hand("A1:B2", cells))
    assert response.status_code == 302 and seconds < 1
    batch = db.session.execute(db.select(ImportBatch)).scalar_one()
    assert batch.cells["rows"] == [
        [2, "Métiers", "Former les tuteurs en entreprise"],
        [3, "Métiers", "Un atelier par mois"],
    ]


def test_the_import_preview_shows_a_bounded_number_of_theme_values(client, factory, auth):
    """20,000 distinct theme values made a 19 MB page: the first 100 (unknown first) are shown, the rest counted."""
    from contrib.facilitation import imports
    from contrib.models import Role

    process = factory.process()
    facilitator = factory.user(Role.FACILITATOR)
    lines = ["Thématique;Texte"] + [f"Valeur {n:05d};Texte numéro {n}" for n in range(20_000)]
    batch = imports.start_import(process.id, "\n".join(lines).encode(), "atelier.csv", actor=facilitator)
    auth.login(facilitator)
    page = client.get(f"/demarches/{process.slug}/import/{batch.id}")
    assert page.status_code == 200
    assert len(page.data) < 400_000
    assert "100 valeurs affichées (celles à vérifier d'abord), et 19900 autres" in page.text
    assert "Valeur 00099" in page.text and "Valeur 00100" not in page.text.split("<h2>Lignes</h2>")[0]


def test_a_theme_choice_for_a_value_not_shown_is_kept(factory):
    """Correcting the shown values keeps the choices made for the others."""
    from contrib.facilitation import imports
    from contrib.models import Role

    process = factory.process()
    facilitator = factory.user(Role.FACILITATOR)
    sheet = "Thématique;Texte\nA inconnue;Un texte\nB inconnue;Un autre texte\n".encode()
    batch = imports.start_import(process.id, sheet, "atelier.csv", actor=facilitator)
    first, second = process.themes[0].id, process.themes[1].id
    for choices in ({"A inconnue": first}, {"B inconnue": second}):
        imports.update_mapping(
            process.id, batch.id, columns={"theme": 0, "text": 1}, theme_choices=choices, actor=facilitator
        )
    assert imports.preview(process.id, batch.id, actor=facilitator).theme_matches == {
        "A inconnue": (first, True),
        "B inconnue": (second, True),
    }


@pytest.mark.parametrize(
    "text", ["a\n\n\n\n" * 1_000_000, " " * FIVE_MB + "x", "x" * FIVE_MB], ids=["blank lines", "padding", "letters"]
)
def test_five_megabytes_of_anything_are_refused_by_the_length_check_at_once(text):
    def refuse():
        with pytest.raises(InvalidInput, match=f"{len(text)} caractères, c'est trop long"):
            clean_text(text, field_label="Texte", max_length=5000)

    _, seconds = timed(refuse)
    assert seconds < 0.1


def test_blank_lines_and_edge_spaces_are_still_normalised_before_the_length_check():
    text = " " * 40_000 + "Un\n\n\n\n\ntexte" + "\n" * 9_000
    assert clean_text(text, field_label="Texte", max_length=5000) == "Un\n\ntexte"


def test_twenty_thousand_ids_in_a_url_are_refused_fast(client, factory, auth):
    from contrib.models import Role
    from contrib.proposals.services import MAX_SELECTION

    process = factory.process()
    auth.login(factory.user(Role.MODERATOR))
    url = f"/moderation/demarches/{process.slug}/propositions/nouvelle"
    client.get(url)
    ids = ",".join(str(n) for n in range(1, 20_001))
    response, seconds = timed(lambda: client.get(url, query_string={"ids": ids}))
    assert seconds < 1
    assert f"Plus de {MAX_SELECTION} contributions sélectionnées : {MAX_SELECTION} au plus par acte." in response.text


def test_ids_are_read_in_order_once_each():
    from contrib.proposals.services import MAX_SELECTION, parse_ids

    assert parse_ids(["3, 1 #3", "n° 2;1"]) == [3, 1, 2]
    assert parse_ids(",".join(str(n % 7) for n in range(20_000))) == [0, 1, 2, 3, 4, 5, 6]
    assert len(parse_ids(" ".join(str(n) for n in range(1, MAX_SELECTION + 1)))) == MAX_SELECTION


def _document(introduction: str, section_proposals: list[int] = ()) -> dict:
    proposals = [
        {
            "id": n,
            "title": f"Proposition {n}",
            "text": "Texte.",
            "status": "retenue",
            "provenance": {"n_sources": 1, "n_supporters": 0, "n_events": 1},
        }
        for n in section_proposals
    ]
    return {
        "plaidoyer": {"title": "Plaidoyer", "introduction": introduction, "conclusion": ""},
        "sections": [{"id": 1, "title": "Section", "proposals": proposals}],
    }


HOSTILE_DIFFS = {
    "alternating words": ("a b " * 5_000, "b a " * 5_000),
    "cycles of 7 words": (" ".join(f"m{n % 7}" for n in range(6_600)), " ".join(f"m{n * 3 % 7}" for n in range(6_600))),
    "cycles of 110 words": (
        " ".join(f"m{n % 110}" for n in range(5_000)),
        " ".join(f"m{n * 7 % 110}" for n in range(5_000)),
    ),
}


@pytest.mark.parametrize("texts", HOSTILE_DIFFS.values(), ids=HOSTILE_DIFFS.keys())
def test_the_version_diff_of_20000_hostile_characters_is_fast(texts):
    """difflib took 3.5 to 10 s on these (its worst case is cubic); the result still rebuilds the new text."""
    from markupsafe import Markup

    from contrib.plaidoyer import diff as diffs

    before, after = texts
    assert len(before) <= 20_000 and len(after) <= 20_000
    result, seconds = timed(lambda: diffs.diff(_document(before), _document(after)))
    assert seconds < 1
    ((_label, marked),) = result.texts
    kept_and_added = re.sub(r"<del>.*?</del>", "", re.sub(r'<span class="visually-hidden">[^<]*</span>', "", marked))
    assert " ".join(Markup(kept_and_added).striptags().split()) == " ".join(after.split())


def test_the_version_diff_still_reads_word_by_word():
    from contrib.plaidoyer import diff as diffs

    before = "Former les tuteurs en entreprise. " * 3 + "Financer les formations courtes."
    after = "Former les tuteurs en entreprise. " * 3 + "Financer vite les formations longues."
    ((label, marked),) = diffs.diff(_document(before), _document(after)).texts
    assert label == "Introduction"
    assert "Financer <ins>" in marked and "vite" in marked and "<del>" in marked and "courtes." in marked


def test_reordering_many_proposals_is_diffed_once_per_section():
    from contrib.plaidoyer import diff as diffs

    ids = list(range(1, 2_001))
    result, seconds = timed(lambda: diffs.diff(_document("", ids), _document("", ids[::-1])))
    assert seconds < 1
    assert len(result.proposals_reordered) == len(ids) - 1


HOSTILE_LINES = [
    "~~~",
    "- une puce",
    "+ une autre",
    "1. une liste",
    "2) une autre",
    "===",
    "---",
    "# un titre",
    "> une citation",
    "```",
    "| a | b |",
    "    du code",
    "* étoile",
    "<div>",
]


def test_a_proposal_made_of_block_markers_does_not_change_the_markdown_structure():
    """Each hostile line, inside a paragraph and as a paragraph of its own, stays text: the document keeps
    its headings, its one quote per proposal and no list, fence, table, code block or setext heading."""
    from contrib.plaidoyer import exports as plaidoyer_exports
    from contrib.plaidoyer import publication

    text = "Un paragraphe\n" + "\n".join(HOSTILE_LINES) + "\n\n" + "\n\n".join(HOSTILE_LINES)
    provenance = {
        "n_sources": 0,
        "n_supporters": 0,
        "n_events": 0,
        "events": [],
        "regions": [],
        "actor_types": [],
        "sources": [],
    }
    proposal = {
        "id": 1,
        "title": "- Former === ~~~",
        "text": text,
        "url": "/propositions/1",
        "provenance": provenance,
        "priority": "haute",
        "status": "retenue",
    }
    content = {
        "plaidoyer": {"title": "Plaidoyer", "introduction": text, "conclusion": text},
        "sections": [{"id": 1, "title": "Métiers", "proposals": [proposal]}],
    }
    markdown = plaidoyer_exports.render(
        content, "md", meta=None, base_url="https://contrib.example", stem="plaidoyer"
    ).content.decode()
    lines = markdown.split("\n")
    headings = [line for line in lines if line.startswith("#")]
    assert headings == [
        "# Plaidoyer",
        "## Introduction",
        "## 1. Métiers",
        "### Proposition 1 : \\- Former === ~~~",
        "## Conclusion",
    ]  # no annex: the proposal has no visible source
    assert [line for line in lines if line.startswith(">")] == ["> " + publication.provenance_line(provenance)]
    block_starts = re.compile(r"^(?:[-+*=~`|<]|\d+[.)]| {4}|\t)")
    assert [line for line in lines[3:] if block_starts.match(line)] == []  # after "*version*"
    assert markdown.count("\\~~~") == 3 * 2 and "une puce" in markdown
