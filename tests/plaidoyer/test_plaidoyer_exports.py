"""The plaidoyer's exports read as a document sent to a ministry: cover, table of contents with page numbers,
page numbers and running header, no empty section, no internal address, sources quoted once in the annex.

Every file is read back with its own reader (pypdf, python-docx, the HTML parser), never by its source.
"""

from __future__ import annotations

import copy
import io
import random
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from contrib.models import Role
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import exports as plaidoyer_exports
from contrib.plaidoyer import placement
from contrib.plaidoyer import versions as plaidoyer_versions
from contrib.plaidoyer.publication import ORGANISATION, french_date, public_base
from tests.plaidoyer.test_plaidoyer import World

INTERNAL = "http://127.0.0.1:5000"
PUBLIC = "https://contrib.cpof.fr"
EMPTY = "Section encore vide"
META = {"number": 2, "label": "Après Rennes", "created_at": "2026-03-01T09:30:00+00:00", "author": "Équipe"}


@pytest.fixture
def content(factory):
    world = World(factory)
    document = plaidoyer_acts.create("Plaidoyer national 2026", actor=world.staff)
    placement.add_from_process(document.id, world.pessac.id, actor=world.staff)
    placement.add_from_process(document.id, world.rennes.id, actor=world.staff)
    plaidoyer_acts.update_text(
        document.id,
        "Plaidoyer national 2026",
        "Pourquoi « œuvrer » ensemble.\n\nDeuxième paragraphe.",
        "Conclusion : l’État et les Régions.",
        actor=world.staff,
    )
    plaidoyer_acts.add_section(document.id, EMPTY, actor=world.staff)
    sections = documents.document(documents.get(document.id))["sections"]
    plaidoyer_acts.move_section(document.id, sections[-1]["id"], "up", actor=world.staff)  # between two others
    data = documents.document(documents.get(document.id))
    assert [section["title"] for section in data["sections"]][2:4] == [EMPTY, "Métiers/compétences"]
    return data


def _sources(content) -> list[int]:
    proposals = [proposal for section in content["sections"] for proposal in section["proposals"]]
    return [source["id"] for proposal in proposals for source in proposal["provenance"]["sources"]]


def _export(content, file_format, *, base_url=INTERNAL, meta=META) -> bytes:
    return plaidoyer_exports.render(content, file_format, meta=meta, base_url=base_url, stem="p").content


def _pdf_pages(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    # WeasyPrint hyphenates justified text: a word cut at a line's end is joined back; a no-break space
    # (« n° 12 ») reads as a space.
    return reader, [page.extract_text().replace("\u2010\n", "").replace("\xa0", " ") for page in reader.pages]


def _uris(reader: PdfReader) -> list[str]:
    return [
        str(annotation.get_object()["/A"]["/URI"])
        for page in reader.pages
        for annotation in page.get("/Annots") or []
        if "/URI" in (annotation.get_object().get("/A") or {})
    ]


def test_the_pdf_has_a_cover_a_table_of_contents_with_true_page_numbers_and_numbered_pages(content):
    reader, pages = _pdf_pages(_export(content, "pdf"))
    n = len(pages)
    cover = pages[0]
    for expected in ("Plaidoyer national 2026", "CPOF", "1er mars 2026", "Version 2 « Après Rennes »"):
        assert expected in cover, expected
    assert "Page 1" not in cover and "Sommaire" not in cover  # a cover, not a page of text

    toc_lines = [line for line in pages[1].split("\n") if re.search(r"\. \d+$", line)]  # leader dots
    toc = {}
    for line in toc_lines:
        title = re.sub(r"[ .]+\d+$", "", line).strip()
        toc[title] = int(line.rsplit(" ", 1)[1])
    for entry in ("Introduction", "1. Évaluation/qualité", "3. Métiers/compétences", "Conclusion"):
        assert entry in toc, (entry, toc)
    assert list(toc)[-1].startswith("Annexe")
    assert "Proposition 1 : Une qualité évaluée avec les apprenants" in toc
    for title, number in toc.items():
        # The number printed is the page where the heading really starts (after the cover and this page).
        first = next(i for i, text in enumerate(pages[2:], 3) if re.search(rf"(^|\n){re.escape(title)}\n", text))
        assert number == first, (title, number, first)
    assert len(set(toc.values())) > 1 or n == 3

    for number, text in enumerate(pages[1:], 2):
        assert f"Page {number} sur {n}" in text
        assert text.count("Plaidoyer national 2026") >= 1  # the running header
    # Bookmarks: the title, then the parts.
    assert reader.outline[0].title == "Plaidoyer national 2026"
    assert reader.metadata.author == ORGANISATION and reader.metadata.title == "Plaidoyer national 2026"


def test_the_pdf_prints_no_empty_section_no_internal_address_and_quotes_each_source_once(content):
    reader, pages = _pdf_pages(_export(content, "pdf"))
    text = "\n".join(pages)
    assert EMPTY not in text  # the control: it is in the document, between two sections with proposals
    assert "3. Métiers/compétences" in text and "4." not in re.findall(r"^\d\. ", text, re.MULTILINE)
    assert "127.0.0.1" not in text and not any("127.0.0.1" in uri for uri in _uris(reader))
    body = "\n".join(pages[2:])
    annex = body[body.index("Annexe : contributions sources") :]
    for source_id in _sources(content):
        assert annex.count(f"Contribution n° {source_id} ") == 1, source_id
    quality_sources = content["sections"][0]["proposals"][0]["provenance"]["sources"]
    assert f"contributions n° {quality_sources[0]['id']} et {quality_sources[1]['id']} (voir l'annexe)" in text
    for expected in ("« œuvrer »", "l’État", "Un cœur de règles « communes »."):
        assert expected in text, expected

    # With a public address the links are printed, and lead to the public site.
    public_reader, _ = _pdf_pages(_export(content, "pdf", base_url=PUBLIC + "/"))
    uris = _uris(public_reader)
    assert f"{PUBLIC}/contributions/{quality_sources[0]['id']}" in uris
    assert any(uri.startswith(f"{PUBLIC}/propositions/") for uri in uris)


def test_word_checks_the_docx_spelling_as_french(content):
    """python-docx's template declares its text en-US: Word then underlines every French word of the plaidoyer.
    The language Word uses is the run defaults' ``w:lang`` (no run or style of ours overrides it)."""
    document = Document(io.BytesIO(_export(content, "docx")))
    (lang,) = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang")
    assert lang.get(qn("w:val")) == "fr-FR"
    every_part = document.styles.element.xml + document.element.xml
    declared = set(re.findall(r'<w:lang w:val="([^"]+)"', every_part))
    assert declared == {"fr-FR"}, declared


def test_the_docx_has_a_cover_a_toc_field_page_fields_a_header_and_the_organisation_as_author(content):
    document = Document(io.BytesIO(_export(content, "docx")))
    properties = document.core_properties
    assert properties.author == ORGANISATION and properties.last_modified_by == ORGANISATION
    assert properties.title == "Plaidoyer national 2026" and properties.language == "fr-FR"
    assert properties.created == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert properties.modified and properties.modified >= properties.created

    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[:5] == [
        ("Normal", ORGANISATION),
        ("Title", "Plaidoyer national 2026"),
        ("Normal", "Date : 1er mars 2026"),
        ("Normal", "Version : Version 2 « Après Rennes »"),
        ("Normal", "Contenu : 4 propositions, issues de 5 contributions ; régions : Bretagne, Nouvelle-Aquitaine."),
    ]
    toc = [text for style, text in paragraphs if style.startswith("toc ")]
    assert toc[0] == "Introduction" and toc[-1].startswith("Annexe") and "3. Métiers/compétences" in toc
    body = document.element.body.xml
    assert 'TOC \\o "1-2"' in body
    assert [text for style, text in paragraphs if style == "Heading 1"] == [
        "Introduction",
        "1. Évaluation/qualité",
        "2. Financements/priorisation",
        "3. Métiers/compétences",
        "Conclusion",
        "Annexe : contributions sources de chaque proposition",
    ]
    section = document.sections[0]
    assert section.different_first_page_header_footer  # the cover carries no header or footer
    assert section.header.paragraphs[0].text.startswith("Plaidoyer national 2026")
    footer = section.footer._element.xml
    assert " PAGE " in footer and " NUMPAGES " in footer and "Page " in section.footer.paragraphs[0].text
    everything = body + footer + section.header._element.xml
    assert EMPTY not in everything and "127.0.0.1" not in everything
    annex = [text for _, text in paragraphs[[t for _, t in paragraphs].index(toc[-1], len(toc) + 5) :]]
    for source_id in _sources(content):
        assert sum(text.startswith(f"Contribution n°\xa0{source_id} ") for text in annex) == 1
    justified = [p for p in document.paragraphs if p.text.startswith("Pourquoi « œuvrer »")]
    assert justified and justified[0].alignment == 3  # WD_ALIGN_PARAGRAPH.JUSTIFY

    public = Document(io.BytesIO(_export(content, "docx", base_url=PUBLIC))).element.body.xml
    assert f"{PUBLIC}/propositions/" in public  # the control: links are there when the address is public


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.headings, self._heading = set(), [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            self.hrefs.append(attrs["href"])
        if tag in ("h1", "h2"):
            self._heading = [tag, ""]

    def handle_data(self, data):
        if self._heading:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading and tag == self._heading[0]:
            self.headings.append(tuple(self._heading))
            self._heading = None


def test_the_html_export_is_the_same_document_with_working_internal_links(content):
    html = _export(content, "html").decode()
    parsed = _Anchors()
    parsed.feed(html)
    assert parsed.headings[:3] == [("h1", "Plaidoyer national 2026"), ("h2", "Sommaire"), ("h2", "Introduction")]
    assert ("h2", "3. Métiers/compétences") in parsed.headings and EMPTY not in html
    assert "1er mars 2026" in html and "Version 2 « Après Rennes »" in html and f'content="{ORGANISATION}"' in html
    internal = [href[1:] for href in parsed.hrefs if href.startswith("#")]
    assert internal and set(internal) <= parsed.ids  # every link of the contents and of the sources lands
    assert {f"contribution-{i}" for i in _sources(content)} <= set(internal)
    assert "127.0.0.1" not in html and not [href for href in parsed.hrefs if not href.startswith("#")]
    public = _Anchors()
    public.feed(_export(content, "html", base_url=PUBLIC).decode())
    assert any(href.startswith(f"{PUBLIC}/propositions/") for href in public.hrefs)


def test_an_internal_address_is_never_printed_but_a_public_one_is():
    for internal in (
        "http://127.0.0.1:5000",
        "http://localhost:5000/",
        "http://10.0.0.4",
        "http://192.168.1.20:8000",
        "http://[::1]:5000",
        "http://contrib.local",
        "",
        None,
    ):
        assert public_base(internal) is None, internal
    assert public_base("https://contrib.cpof.fr/") == "https://contrib.cpof.fr"
    assert public_base("http://contrib.intranet.cpof.fr:8080") == "http://contrib.intranet.cpof.fr:8080"


def test_the_current_document_is_dated_today_and_called_a_working_document(content):
    html = _export(content, "html", meta=None).decode()
    assert french_date(datetime.now(UTC)) in html and "Document de travail (non figé)" in html


def test_a_version_export_through_the_page_uses_the_configured_public_address(app, client, auth, factory):
    world = World(factory)
    document = plaidoyer_acts.create("Plaidoyer national 2026", actor=world.staff)
    placement.add_from_process(document.id, world.pessac.id, actor=world.staff)
    version = plaidoyer_versions.snapshot(document.id, "Après Pessac", actor=world.staff)
    auth.login(world.staff)
    url = f"/plaidoyers/{document.id}/versions/{version.id}/export.html"
    app.config["PUBLIC_URL"] = INTERNAL
    assert "127.0.0.1" not in client.get(url).text
    app.config["PUBLIC_URL"] = PUBLIC
    assert f'href="{PUBLIC}/propositions/{world.quality.id}"' in client.get(url).text


def test_the_cover_figures_agree_in_number():
    from contrib.plaidoyer.publication import publication

    source = {
        "id": 7,
        "title": None,
        "text": "Un texte.",
        "kind": "Idée",
        "theme": "Métiers/compétences",
        "actor_type": "Entreprise",
        "process": "Rencontre de Rennes",
        "region": "Bretagne",
        "date": "2026-01-19",
        "url": "/contributions/7",
    }
    origin = {"n_sources": 1, "n_supporters": 0, "n_events": 1, "events": [], "regions": [], "actor_types": []}
    proposal = {"id": 1, "title": "Former", "text": "Texte.", "url": "/propositions/1"}
    content = {
        "plaidoyer": {"title": "Plaidoyer", "introduction": "", "conclusion": ""},
        "sections": [
            {"id": 1, "title": "Métiers", "proposals": [{**proposal, "provenance": {**origin, "sources": [source]}}]}
        ],
    }
    doc = publication(content, meta=None, base_url=INTERNAL)
    assert doc.figures == "1 proposition, issue de 1 contribution."
    assert (
        doc.items[0].quotes[0].line
        == "Rencontre de Rennes (Bretagne) · Métiers/compétences · Idée · Entreprise · 19 janvier 2026"
    )
    assert doc.contents == [
        (1, "1. Métiers", "section-1"),
        (2, "Proposition 1 : Former", "proposition-1"),
        (1, "Annexe : contributions sources de chaque proposition", "annexe"),
    ]


def test_an_empty_document_says_so_instead_of_an_empty_table_of_contents(factory, content):
    staff = factory.user(Role.STAFF)
    empty = documents.document(documents.get(plaidoyer_acts.create("Plaidoyer vide", actor=staff).id))
    _, pages = _pdf_pages(_export(empty, "pdf"))
    word = "\n".join(p.text for p in Document(io.BytesIO(_export(empty, "docx"))).paragraphs)
    for text in ("\n".join(pages), word, _export(empty, "html").decode(), _export(empty, "md").decode()):
        assert "Ce document ne contient encore aucune proposition." in text and "Sommaire" not in text
    assert len(pages) == 2  # the cover, then the notice
    _, full = _pdf_pages(_export(content, "pdf"))
    assert "Sommaire" in full[1] and "aucune proposition" not in "\n".join(full)  # control


WORDS = [
    "les",
    "organismes",
    "de",
    "formation",
    "demandent",
    "un",
    "financement",
    "stable",
    "pour",
    "accompagner",
    "les",
    "stagiaires",
    "éloignés",
    "de",
    "l'emploi",
    "dans",
    "les",
    "territoires",
    "ruraux",
    "où",
    "les",
    "transports",
    "manquent",
    "et",
    "les",
    "entreprises",
    "recrutent",
    "peu",
]


def _long_document(content: dict, copies: int = 6) -> dict:
    """The fixture's proposals repeated, each with sentences of random lengths (seeded) citing its sources,
    so that line and page breaks fall in many different places."""
    rng = random.Random(8)
    sections = []
    for section in content["sections"]:
        proposals = []
        for proposal in section["proposals"]:
            ids = [source["id"] for source in proposal["provenance"]["sources"]]
            for _ in range(copies):
                sentences = [
                    " ".join(rng.choices(WORDS, k=rng.randint(4, 22))).capitalize() + f" [#{rng.choice(ids)}]."
                    for _ in range(rng.randint(2, 9))
                ]
                proposals.append({**proposal, "text": " ".join(sentences)})
        sections.append({**section, "proposals": proposals})
    return {**content, "sections": sections}


def test_the_pdf_never_cuts_a_citation_nor_leaves_a_provenance_alone_at_the_top_of_a_page(content):
    """Does a ministry reader always see « [n° 12] » whole on one line, and each proposal's provenance on
    the same page as the end of its text?"""
    document = _long_document(content)
    reader = PdfReader(io.BytesIO(_export(document, "pdf")))
    pages = [page.extract_text() for page in reader.pages]  # raw: a no-break space stays "\xa0"
    assert len(pages) > 8  # the control: enough pages for breaks to fall everywhere
    lines = [line.rstrip() for text in pages for line in text.split("\n")]
    assert sum("[n°" in line for line in lines) > 50
    cut = [line for line in lines if re.search(r"n°$", line)]
    assert not cut, cut
    body = pages[2 : next(i for i, text in enumerate(pages) if text.startswith("Annexe"))]
    assert sum("Provenance :" in text for text in body) >= len(body)  # provenances on every page of the body
    alone = [i for i, text in enumerate(body, 3) if text.startswith("Provenance :")]  # the header comes last
    assert not alone, f"pages opening on a provenance: {alone}"


def test_each_page_is_headed_by_the_section_it_belongs_to(content):
    """A page that starts inside section 1 and on which section 2 begins lower down is headed « 1. … », the
    section the reader is in at the top of the page; a page that opens on a section's title is headed by it."""
    _, pages = _pdf_pages(_export(_long_document(content), "pdf"))
    first_annex_page = next(i for i, text in enumerate(pages) if text.startswith("Annexe"))
    titles = ["Introduction", "Conclusion", "Annexe : contributions sources de chaque proposition"]
    titles += [line for text in pages[2:first_annex_page] for line in text.split("\n") if re.match(r"\d\. \S", line)]
    in_force, problems, n_sections_starting_lower = None, [], 0
    for number, text in enumerate(pages[2:], 3):
        # The header is extracted after the body, sometimes glued to its last line.
        at = text.rindex("Plaidoyer national 2026")
        body, header = text[:at].split("\n"), text[at:].split("\n")[0]
        if body[0] in titles:
            in_force = body[0]
        if header != f"Plaidoyer national 2026 {in_force}":
            problems.append(f"page {number} is in « {in_force} » but headed « {header} »")
        starting = [line for line in body[1:] if line in titles]
        n_sections_starting_lower += bool(starting)
        in_force = starting[-1] if starting else in_force
    # The control: pages where a section starts below the top, which a header naming the first title on the
    # page gets wrong.
    assert n_sections_starting_lower >= 2
    assert not problems, "\n".join(problems)


def test_a_hyphenated_word_is_never_cut_at_its_hyphen_in_the_contents_and_titles(content):
    """« week-end » stays whole in the table of contents and the titles, wherever the line ends; a search of
    the PDF for « week-end » finds each one."""
    document, titles = copy.deepcopy(content), []
    proposals = [proposal for section in document["sections"] for proposal in section["proposals"]]
    for n in range(4 * len(proposals)):  # titles of many lengths: a line ends at every place near the hyphen
        padding, end = " : faire" * (n % 8), " !" * (n // 8)
        titles.append(f"Pas de temps pour l'ingénierie{padding} le soir et le week-end{end}")
    for proposal, title in zip(proposals, titles, strict=False):
        proposal["title"] = title
    for k, extra_title in enumerate(titles[len(proposals) :]):
        document["sections"][k % 2]["proposals"].append({**proposals[k % len(proposals)], "title": extra_title})
    _, pages = _pdf_pages(_export(document, "pdf"))
    text = "\n".join(pages)
    # The control: every title is printed, in the contents and as a heading.
    assert text.count("week-") >= 2 * len(titles) >= 32
    assert not re.findall(r".*week-(?!end).*\n.*", text)
    assert "\u2060" not in text  # the word joiner is not read back with the text


def test_the_docx_never_splits_a_compound_at_its_hyphen_in_titles_headings_and_provenance(content):
    """Word's non-breaking hyphen (w:noBreakHyphen) in « week-end », « Centre-Val de Loire » of the title, the
    header, the contents, the headings and the provenance lines; web addresses and body text keep their plain
    hyphen (the control). Read back from the DOCX's XML, and as text through python-docx."""
    content = copy.deepcopy(content)
    content["plaidoyer"]["title"] = "Plaidoyer du week-end"
    content["plaidoyer"]["introduction"] = "Un week-end de travail en Centre-Val de Loire."
    section = content["sections"][0]
    section["title"] = "Centre-Val de Loire"
    proposal = section["proposals"][0]
    proposal["title"] = "Former les tuteurs le week-end"
    proposal["provenance"]["regions"] = ["Centre-Val de Loire"]
    hyphenated_site = "https://contrib-cpof.fr"
    document = Document(io.BytesIO(_export(content, "docx", base_url=hyphenated_site)))

    def runs_xml(paragraph) -> str:
        return paragraph._p.xml

    def plain_hyphens(paragraph) -> list[str]:
        """The texts (w:t) of the paragraph that still carry an ordinary hyphen."""
        return [t.text for t in paragraph._p.iter(qn("w:t")) if "-" in (t.text or "")]

    paragraphs = document.paragraphs
    unbroken = {
        "title": next(p for p in paragraphs if p.style.name == "Title"),
        "contents": next(p for p in paragraphs if p.style.name == "toc 1" and "Centre" in p.text),
        "heading 1": next(p for p in paragraphs if p.style.name == "Heading 1" and "Centre" in p.text),
        "heading 2": next(p for p in paragraphs if p.style.name == "Heading 2" and "week" in p.text),
        "provenance": next(p for p in paragraphs if p.text.startswith("Provenance") and "Centre" in p.text),
        "header": document.sections[0].header.paragraphs[0],
    }
    assert unbroken["title"].text == "Plaidoyer du week-end"  # read back as a hyphen
    assert unbroken["heading 1"].text == "1. Centre-Val de Loire"
    assert unbroken["heading 2"].text.endswith("Former les tuteurs le week-end")
    for where, paragraph in unbroken.items():
        assert "<w:noBreakHyphen/>" in runs_xml(paragraph), where
        assert not [text for text in plain_hyphens(paragraph) if "://" not in text], where

    provenance = unbroken["provenance"]
    assert f"{hyphenated_site}/propositions/" in provenance.text
    assert any(text.startswith(hyphenated_site) for text in plain_hyphens(provenance))  # the address opens
    annex_line = next(p for p in paragraphs if p.text.startswith("Contribution n°") and hyphenated_site in p.text)
    assert any(hyphenated_site in text for text in plain_hyphens(annex_line))

    body = next(p for p in paragraphs if p.text.startswith("Un week-end de travail"))  # the control
    assert "noBreakHyphen" not in runs_xml(body) and plain_hyphens(body) == [body.text]


def test_a_proposal_written_line_by_line_keeps_its_lines_as_paragraphs_in_the_exports(content):
    """A draft of the assistant prefills « Constat : », then one sentence a line: its own page shows each line
    as a paragraph, and the exports did run them into one block (« … [n° 117] Concrètement, … »)."""
    content = copy.deepcopy(content)
    proposal = next(p for section in content["sections"] for p in section["proposals"])
    source = proposal["provenance"]["sources"][0]["id"]
    proposal["text"] = (
        f"Constat :\nLes OPCO paient tard. [#{source}]\nLes OF ferment.\n\nProposition :\nPayer à 30 jours."
    )
    html = _export(content, "html").decode()
    for line in ("Constat :", f"Les OPCO paient tard. [n°\u00a0{source}]", "Les OF ferment.", "Proposition :"):
        assert f"<p>{line}</p>" in html, line
    docx = [p.text for p in Document(io.BytesIO(_export(content, "docx"))).paragraphs]
    assert "Constat :" in docx and "Payer à 30 jours." in docx
    # Control: the introduction is still cut at blank lines only.
    intro = html.split('id="introduction"')[1].split("</section>")[0]
    assert intro.count("<p>") == 2, intro
