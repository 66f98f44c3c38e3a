"""The plaidoyer as a Word document (python-docx), from the same ``Publication`` as the HTML and PDF.

A cover page without header or footer, a table of contents (a Word TOC field, filled with the headings
so it reads right before Word updates it with page numbers on opening), Word's own Title/Heading styles
(navigation pane), a running header (title · organisation) and "Page N sur M" (PAGE/NUMPAGES fields),
justified body text, and the document properties: author and last editor the organisation, dates.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from contrib.plaidoyer.publication import ANNEX_TITLE, EMPTY_NOTICE, TOC_TITLE, Publication

GREY = RGBColor(0x44, 0x44, 0x44)
BLUE = RGBColor(0x0B, 0x3D, 0x6E)


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
        paragraph.add_run(text)
        if index == len(entries) - 1:
            _field_char(paragraph, "end")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def _styles(document) -> None:
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
    header.text = f"{doc.title} · {doc.organisation}"
    header.runs[0].font.size, header.runs[0].font.color.rgb = Pt(8.5), GREY
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" sur ")
    _field(footer, "NUMPAGES", "1")
    for run in footer.runs:
        run.font.size = Pt(8.5)


def _body(document, text: str, *, size: float | None = None, grey: bool = False, italic: bool = False):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    run = paragraph.add_run(text)
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
    document.add_paragraph(doc.title, style="Title").alignment = WD_ALIGN_PARAGRAPH.LEFT
    for label, value in (("Date", doc.date), ("Version", doc.version), ("Contenu", doc.figures)):
        line = document.add_paragraph()
        line.add_run(f"{label} : ").bold = True
        line.add_run(value)
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
        document.add_heading("Introduction", level=1)
        for paragraph in doc.introduction:
            _body(document, paragraph)
    for part in doc.parts:
        document.add_heading(f"{part.rank}. {part.title}", level=1)
        for item in part.items:
            document.add_heading(f"Proposition {item.number} : {item.title}", level=2)
            for paragraph in item.paragraphs:
                _body(document, paragraph)
            sources = f"Sources : {item.sources} (voir l'annexe)."
            online = f" La proposition en ligne : {item.url}" if item.url else ""
            _body(document, f"{item.provenance}\n{sources}{online}", size=9, grey=True, italic=True)
    if doc.conclusion:
        document.add_heading("Conclusion", level=1)
        for paragraph in doc.conclusion:
            _body(document, paragraph)
    if any(item.quotes for item in doc.items):
        _page_break(document)
        document.add_heading(ANNEX_TITLE, level=1)
        for item in doc.items:
            if not item.quotes:
                continue
            document.add_heading(f"Proposition {item.number} : {item.title}", level=2)
            for quote in item.quotes:
                line = document.add_paragraph()
                line.paragraph_format.keep_with_next = True
                number = line.add_run(f"Contribution n°\u00a0{quote.id}")
                number.bold, number.font.size = True, Pt(9.5)
                line.add_run(f" · {quote.line}" + (f" · {quote.url}" if quote.url else "")).font.size = Pt(9.5)
                for text in ((quote.title,) if quote.title else ()) + quote.paragraphs:
                    paragraph = _body(document, text, size=10)
                    paragraph.paragraph_format.left_indent = Cm(0.6)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
