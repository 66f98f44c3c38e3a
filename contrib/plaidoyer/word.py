"""The plaidoyer as a Word document (python-docx), from the same ``Publication`` as the HTML and PDF.

A cover page without header or footer, a table of contents (a Word TOC field, filled with the headings
so it reads right before Word updates it with page numbers on opening), Word's own Title/Heading styles
(navigation pane), a running header (title · organisation) and "Page N sur M" (PAGE/NUMPAGES fields),
justified body text, and the document properties: author and last editor the organisation, dates.

In titles, headings, contents entries, the running header and provenance lines, the hyphen of a compound
(« week-end », « Centre-Val de Loire ») is Word's non-breaking hyphen (``w:noBreakHyphen``): Word never ends a
line on « Centre- » with « Val de Loire » below. It shows and prints as a hyphen, and Word finds « week-end »
when searched. Web addresses keep their plain hyphens (copied, they must still open); body text too.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from contrib.plaidoyer.publication import ANNEX_TITLE, COMPOUND_HYPHEN, EMPTY_NOTICE, TOC_TITLE, Publication

GREY = RGBColor(0x44, 0x44, 0x44)
BLUE = RGBColor(0x0B, 0x3D, 0x6E)


_ADDRESS = re.compile(r"\S+://\S+|www\.\S+")


def _text(run, text: str) -> None:
    """Append ``text`` to ``run`` as it is (a ``w:t``, a ``w:br`` for each line break)."""
    for index, line in enumerate(text.split("\n")):
        if index:
            run._r.append(OxmlElement("w:br"))
        if line:
            element = OxmlElement("w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = line
            run._r.append(element)


def _unbroken(paragraph, text: str):
    """A run of ``paragraph`` showing ``text`` with each compound's hyphen a non-breaking hyphen, web
    addresses left as typed; returns the run (for its font)."""
    run = paragraph.add_run()
    start = 0
    for address in [*_ADDRESS.finditer(text), None]:
        end = address.start() if address else len(text)
        for index, piece in enumerate(COMPOUND_HYPHEN.split(text[start:end])):
            if index:
                run._r.append(OxmlElement("w:noBreakHyphen"))
            _text(run, piece)
        if address:
            _text(run, address.group())
            start = address.end()
    return run


def _heading(document, text: str, level: int):
    heading = document.add_heading("", level=level)
    _unbroken(heading, text)
    return heading


def _field_char(paragraph, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(char)


def _instruction(paragraph, instruction: str) -> None:
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)


def _field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) in ``paragraph``, showing ``shown`` until Word computes it."""
    _field_char(paragraph, "begin")
    _instruction(paragraph, instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(shown)
    _field_char(paragraph, "end")


def _table_of_contents(document, doc: Publication) -> None:
    """A TOC field over headings 1–2 whose shown result is the list of headings (no page numbers until
    Word updates it: the settings ask it to, on opening)."""
    document.add_paragraph(TOC_TITLE, style="TOC Heading")
    entries = doc.contents
    for index, (level, text, _) in enumerate(entries):
        paragraph = document.add_paragraph(style=f"toc {level}")
        if index == 0:
            _field_char(paragraph, "begin")
            _instruction(paragraph, 'TOC \\o "1-2" \\h \\z \\u')
            _field_char(paragraph, "separate")
        _unbroken(paragraph, text)
        if index == len(entries) - 1:
            _field_char(paragraph, "end")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def _french(document) -> None:
    """Mark the text French in the document's defaults: python-docx's template says en-US, so Word would
    check a French plaidoyer's spelling as English (every word underlined) and hyphenate it as English."""
    (run_defaults,) = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")
    lang = run_defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_defaults.append(lang)
    lang.set(qn("w:val"), "fr-FR")
    lang.set(qn("w:eastAsia"), "fr-FR")


def _styles(document) -> None:
    _french(document)
    styles = document.styles
    styles["Normal"].font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2"):
        styles[name].font.color.rgb = BLUE
    for level in (1, 2):
        style = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.paragraph_format.left_indent = Cm(0.8 * (level - 1))
        style.paragraph_format.space_after = Pt(3)


def _header_and_footer(section, doc: Publication) -> None:
    section.different_first_page_header_footer = True  # the cover has neither
    header = section.header.paragraphs[0]
    _unbroken(header, f"{doc.title} · {doc.organisation}")
    header.runs[0].font.size, header.runs[0].font.color.rgb = Pt(8.5), GREY
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" sur ")
    _field(footer, "NUMPAGES", "1")
    for run in footer.runs:
        run.font.size = Pt(8.5)


def _body(
    document,
    text: str,
    *,
    size: float | None = None,
    grey: bool = False,
    italic: bool = False,
    unbroken: bool = False,
):
    """A justified paragraph; ``unbroken`` for a title or provenance (compounds' hyphens non-breaking)."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    run = _unbroken(paragraph, text) if unbroken else paragraph.add_run(text)
    run.italic = italic
    if size:
        run.font.size = Pt(size)
    if grey:
        run.font.color.rgb = GREY
    return paragraph


def _page_break(document) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _cover(document, doc: Publication) -> None:
    organisation = document.add_paragraph()
    organisation.paragraph_format.space_before = Pt(120)
    run = organisation.add_run(doc.organisation)
    run.bold, run.font.color.rgb = True, BLUE
    title = document.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _unbroken(title, doc.title)
    for label, value in (("Date", doc.date), ("Version", doc.version), ("Contenu", doc.figures)):
        line = document.add_paragraph()
        line.add_run(f"{label} : ").bold = True
        _unbroken(line, value)
    _page_break(document)


def docx(doc: Publication) -> bytes:
    document = Document()
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = doc.title, doc.organisation, doc.organisation
    properties.subject, properties.comments = "Plaidoyer", f"{doc.version}, {doc.date}"
    properties.language, properties.keywords = "fr-FR", "plaidoyer; propositions; formation professionnelle"
    properties.created, properties.modified = doc.created, datetime.now(UTC)
    properties.revision = 1
    _styles(document)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    _header_and_footer(section, doc)

    _cover(document, doc)
    if doc.contents:
        _table_of_contents(document, doc)
    _page_break(document)
    if not doc.items:
        _body(document, EMPTY_NOTICE)
    if doc.introduction:
        _heading(document, "Introduction", 1)
        for paragraph in doc.introduction:
            _body(document, paragraph)
    for part in doc.parts:
        _heading(document, f"{part.rank}. {part.title}", 1)
        for item in part.items:
            _heading(document, f"Proposition {item.number} : {item.title}", 2)
            for paragraph in item.paragraphs:
                _body(document, paragraph)
            sources = f"Sources : {item.sources} (voir l'annexe)."
            online = f" La proposition en ligne : {item.url}" if item.url else ""
            _body(document, f"{item.provenance}\n{sources}{online}", size=9, grey=True, italic=True, unbroken=True)
    if doc.conclusion:
        _heading(document, "Conclusion", 1)
        for paragraph in doc.conclusion:
            _body(document, paragraph)
    if any(item.quotes for item in doc.items):
        _page_break(document)
        _heading(document, ANNEX_TITLE, 1)
        for item in doc.items:
            if not item.quotes:
                continue
            _heading(document, f"Proposition {item.number} : {item.title}", 2)
            for quote in item.quotes:
                line = document.add_paragraph()
                line.paragraph_format.keep_with_next = True
                number = line.add_run(f"Contribution n°\u00a0{quote.id}")
                number.bold, number.font.size = True, Pt(9.5)
                _unbroken(line, f" · {quote.line}" + (f" · {quote.url}" if quote.url else "")).font.size = Pt(9.5)
                if quote.title:
                    _body(document, quote.title, size=10, unbroken=True).paragraph_format.left_indent = Cm(0.6)
                for text in quote.paragraphs:
                    paragraph = _body(document, text, size=10)
                    paragraph.paragraph_format.left_indent = Cm(0.6)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
