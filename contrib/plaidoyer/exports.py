"""Rendering a plaidoyer document (``plaidoyer.document()`` or a version's content) as a file.

DOCX (python-docx, Word's own Title/Heading 1/Heading 2 styles, so the navigation pane and a table
of contents work), PDF (fpdf2 with the DejaVu Sans font shipped in ``contrib/fonts``: accents, "œ",
"’", "« »" are embedded glyphs, not a Latin-1 approximation; sections and proposals are PDF
bookmarks), Markdown, HTML, and CSV/JSON with the full provenance (proposal → contributions →
events). Every format ends with the annex: the source contributions of each proposal.

Authors are never named (the document leaves the platform): a source is its number, event, region,
theme, kind and actor type, with a link to its public page.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from flask import render_template

from contrib.core.errors import NotFound
from contrib.participation.exports import Export, neutralise
from contrib.proposals.services import citation_parts

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
ANNEX_TITLE = "Annexe : contributions sources de chaque proposition"
CSV_COLUMNS = (
    "section_rang",
    "section",
    "proposition_rang",
    "proposition_id",
    "proposition_titre",
    "proposition_texte",
    "priorite",
    "statut",
    "n_contributions_sources",
    "n_soutiens",
    "n_demarches",
    "demarches",
    "regions",
    "types_acteurs",
    "proposition_url",
    "contribution_id",
    "contribution_demarche",
    "contribution_region",
    "contribution_thematique",
    "contribution_type",
    "contribution_type_acteur",
    "contribution_date",
    "contribution_titre",
    "contribution_texte",
    "contribution_url",
)


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def provenance_line(origin: dict) -> str:
    """One French line saying where a proposal comes from and how much support it has."""
    parts = [
        plural(origin["n_sources"], "contribution source", "contributions sources"),
        plural(origin["n_supporters"], "soutien") + " (personnes distinctes)",
        plural(origin["n_events"], "démarche") + " : " + " ; ".join(event["title"] for event in origin["events"]),
    ]
    if origin["regions"]:
        parts.append(("région : " if len(origin["regions"]) == 1 else "régions : ") + ", ".join(origin["regions"]))
    if origin["actor_types"]:
        parts.append("acteurs : " + ", ".join(f"{actor['label']} ({actor['n']})" for actor in origin["actor_types"]))
    return "Provenance : " + " · ".join(parts) + "."


def source_line(source: dict) -> str:
    """One annex line about a source contribution (its text follows)."""
    where = source["process"] + (f", {source['region']}" if source["region"] else "")
    return (
        f"n° {source['id']} · {where} · {source['theme']} · {source['kind']} · {source['actor_type']} · "
        f"{source['date']}"
    )


def _version_line(meta: dict | None) -> str:
    if meta is None:
        return "Document en cours (non figé)."
    author = f", par {meta['author']}" if meta["author"] else ""
    return f"Version {meta['number']} « {meta['label']} » du {meta['created_at'][:10]}{author}."


def _paragraphs(text: str) -> list[str]:
    return [paragraph.strip() for paragraph in (text or "").split("\n\n") if paragraph.strip()]


def numbered(content: dict) -> list[tuple[int, dict, list[tuple[int, dict]]]]:
    """Sections and proposals with their display numbers (proposals numbered across the document)."""
    counter, result = 0, []
    for rank, section in enumerate(content["sections"], 1):
        proposals = []
        for proposal in section["proposals"]:
            counter += 1
            proposals.append((counter, proposal))
        result.append((rank, section, proposals))
    return result


REMOVED_CITATION = "[citation retirée]"


def cited_text(text: str, source_ids) -> str:
    """A proposal's text for a document leaving the platform: ``[#114]`` reads "[n° 114]" when 114 is one
    of its (visible) sources; a citation of anything else is removed and marked, never printed."""
    pieces = []
    for piece, ids in citation_parts(text):
        if not ids:
            pieces.append(piece)
            continue
        kept = [i for i in ids if i in source_ids]
        pieces.append(f"[n° {', n° '.join(map(str, kept))}]" if kept else "")
        if len(kept) < len(ids):
            pieces.append(REMOVED_CITATION)
    return "".join(pieces)


def _with_checked_citations(content: dict) -> dict:
    """A copy of ``content`` whose proposal texts cite only their own sources (versions frozen before the
    check included)."""
    sections = [
        {
            **section,
            "proposals": [
                {**proposal, "text": cited_text(proposal["text"], {s["id"] for s in proposal["provenance"]["sources"]})}
                for proposal in section["proposals"]
            ],
        }
        for section in content["sections"]
    ]
    return {**content, "sections": sections}


def render(content: dict, file_format: str, *, meta: dict | None, base_url: str, stem: str) -> Export:
    """The export of ``content`` in ``file_format``; NotFound for an unknown format."""
    if file_format not in FORMATS:
        raise NotFound("Format d'export inconnu.")
    content = _with_checked_citations(content)
    data = _RENDERERS[file_format](content, meta=meta, base_url=base_url.rstrip("/"))
    return Export(content=data, mimetype=FORMATS[file_format], filename=f"{stem}.{file_format}")


def _to_docx(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document()
    document.core_properties.title = content["plaidoyer"]["title"]
    document.core_properties.language = "fr-FR"
    document.add_heading(content["plaidoyer"]["title"], level=0)
    document.add_paragraph(_version_line(meta)).runs[0].italic = True
    if content["plaidoyer"]["introduction"]:
        document.add_heading("Introduction", level=1)
        for paragraph in _paragraphs(content["plaidoyer"]["introduction"]):
            document.add_paragraph(paragraph)
    for rank, section, proposals in numbered(content):
        document.add_heading(f"{rank}. {section['title']}", level=1)
        for number, proposal in proposals:
            document.add_heading(f"Proposition {number} : {proposal['title']}", level=2)
            for paragraph in _paragraphs(proposal["text"]):
                document.add_paragraph(paragraph)
            line = document.add_paragraph().add_run(provenance_line(proposal["provenance"]))
            line.italic, line.font.size, line.font.color.rgb = True, Pt(9), RGBColor(0x44, 0x44, 0x44)
            ids = ", ".join(f"n° {source['id']}" for source in proposal["provenance"]["sources"]) or "aucune visible"
            document.add_paragraph(
                f"Contributions sources : {ids} (voir l'annexe). Proposition en ligne : {base_url}{proposal['url']}"
            ).runs[0].font.size = Pt(9)
    if content["plaidoyer"]["conclusion"]:
        document.add_heading("Conclusion", level=1)
        for paragraph in _paragraphs(content["plaidoyer"]["conclusion"]):
            document.add_paragraph(paragraph)
    document.add_page_break()
    document.add_heading(ANNEX_TITLE, level=1)
    for _, _, proposals in numbered(content):
        for number, proposal in proposals:
            document.add_heading(f"Proposition {number} : {proposal['title']}", level=2)
            for source in proposal["provenance"]["sources"]:
                item = document.add_paragraph(style="List Bullet")
                item.add_run(source_line(source)).bold = True
                item.add_run(f" — {source['text']} ({base_url}{source['url']})")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _to_pdf(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(content["plaidoyer"]["title"])
    pdf.set_lang("fr")
    pdf.set_creator("Contrib CPOF")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()

    def heading(text: str, level: int) -> None:
        pdf.start_section(text, level=level)
        pdf.set_font("DejaVu", "B", {0: 20, 1: 15, 2: 12}[level])
        pdf.multi_cell(0, {0: 10, 1: 8, 2: 6.5}[level], text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def paragraph(text: str, *, size: float = 10.5, grey: bool = False) -> None:
        pdf.set_font("DejaVu", "", size)
        pdf.set_text_color(80 if grey else 0)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.ln(1.5)

    heading(content["plaidoyer"]["title"], 0)
    paragraph(_version_line(meta), size=9, grey=True)
    if content["plaidoyer"]["introduction"]:
        heading("Introduction", 1)
        for text in _paragraphs(content["plaidoyer"]["introduction"]):
            paragraph(text)
    for rank, section, proposals in numbered(content):
        heading(f"{rank}. {section['title']}", 1)
        for number, proposal in proposals:
            heading(f"Proposition {number} : {proposal['title']}", 2)
            for text in _paragraphs(proposal["text"]):
                paragraph(text)
            paragraph(provenance_line(proposal["provenance"]), size=8.5, grey=True)
            ids = ", ".join(f"n° {source['id']}" for source in proposal["provenance"]["sources"]) or "aucune visible"
            paragraph(
                f"Contributions sources : {ids} (voir l'annexe). {base_url}{proposal['url']}", size=8.5, grey=True
            )
    if content["plaidoyer"]["conclusion"]:
        heading("Conclusion", 1)
        for text in _paragraphs(content["plaidoyer"]["conclusion"]):
            paragraph(text)
    pdf.add_page()
    heading(ANNEX_TITLE, 1)
    for _, _, proposals in numbered(content):
        for number, proposal in proposals:
            heading(f"Proposition {number} : {proposal['title']}", 2)
            for source in proposal["provenance"]["sources"]:
                paragraph(f"{source_line(source)} — {source['text']} ({base_url}{source['url']})", size=9)
    return bytes(pdf.output())


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
# What starts a block at the beginning of a line once the inline characters are escaped: a list
# ("- ", "+ ", "1." or "1)"), a setext underline or thematic break ("===", "---"), a "~~~" fence.
_BLOCK_START = re.compile(r"^([-+=~])|^(\d+)([.)])", re.MULTILINE)
# Leading spaces would make an indented code block (four) or a lazy continuation: they are dropped.
_LINE_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def _md(text: str) -> str:
    """User text with Markdown's special characters escaped: it renders as written, never as markup.

    Inline characters anywhere, and the markers that start a block at the beginning of each line.
    """
    inline = _MARKDOWN_SPECIAL.sub(r"\\\1", _LINE_INDENT.sub("", text or ""))
    return _BLOCK_START.sub(lambda match: f"\\{match[1]}" if match[1] else f"{match[2]}\\{match[3]}", inline)


def _to_markdown(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    lines = [f"# {_md(content['plaidoyer']['title'])}", "", f"*{_md(_version_line(meta))}*", ""]

    def paragraphs(text: str) -> None:
        for paragraph in _paragraphs(text):
            lines.extend([_md(paragraph), ""])

    if content["plaidoyer"]["introduction"]:
        lines.extend(["## Introduction", ""])
        paragraphs(content["plaidoyer"]["introduction"])
    for rank, section, proposals in numbered(content):
        lines.extend([f"## {rank}. {_md(section['title'])}", ""])
        for number, proposal in proposals:
            lines.extend([f"### Proposition {number} : {_md(proposal['title'])}", ""])
            paragraphs(proposal["text"])
            lines.extend([f"> {_md(provenance_line(proposal['provenance']))}", ""])
            links = (
                ", ".join(
                    f"[n° {source['id']}]({base_url}{source['url']})" for source in proposal["provenance"]["sources"]
                )
                or "aucune visible"
            )
            lines.extend(
                [f"Contributions sources : {links} · [la proposition en ligne]({base_url}{proposal['url']})", ""]
            )
    if content["plaidoyer"]["conclusion"]:
        lines.extend(["## Conclusion", ""])
        paragraphs(content["plaidoyer"]["conclusion"])
    lines.extend([f"## {ANNEX_TITLE}", ""])
    for _, _, proposals in numbered(content):
        for number, proposal in proposals:
            lines.extend([f"### Proposition {number} : {_md(proposal['title'])}", ""])
            for source in proposal["provenance"]["sources"]:
                lines.append(
                    f"- **{_md(source_line(source))}** — {_md(' '.join(source['text'].split()))} "
                    f"([lien]({base_url}{source['url']}))"
                )
            lines.append("")
    return "\n".join(lines).encode("utf-8")


def _to_html(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    return render_template(
        "plaidoyer/export.html",
        content=content,
        numbered=numbered(content),
        version_line=_version_line(meta),
        base_url=base_url,
        annex_title=ANNEX_TITLE,
        provenance_line=provenance_line,
        source_line=source_line,
        paragraphs=_paragraphs,
    ).encode("utf-8")


def _csv_rows(content: dict, base_url: str):
    for section_rank, section, proposals in numbered(content):
        for number, proposal in proposals:
            origin = proposal["provenance"]
            common = {
                "section_rang": section_rank,
                "section": section["title"],
                "proposition_rang": number,
                "proposition_id": proposal["id"],
                "proposition_titre": proposal["title"],
                "proposition_texte": proposal["text"],
                "priorite": proposal["priority"],
                "statut": proposal["status"],
                "n_contributions_sources": origin["n_sources"],
                "n_soutiens": origin["n_supporters"],
                "n_demarches": origin["n_events"],
                "demarches": " | ".join(event["title"] for event in origin["events"]),
                "regions": " | ".join(origin["regions"]),
                "types_acteurs": " | ".join(f"{actor['label']} ({actor['n']})" for actor in origin["actor_types"]),
                "proposition_url": base_url + proposal["url"],
            }
            if not origin["sources"]:
                yield common
            for source in origin["sources"]:
                yield {
                    **common,
                    "contribution_id": source["id"],
                    "contribution_demarche": source["process"],
                    "contribution_region": source["region"] or "",
                    "contribution_thematique": source["theme"],
                    "contribution_type": source["kind"],
                    "contribution_type_acteur": source["actor_type"],
                    "contribution_date": source["date"],
                    "contribution_titre": source["title"] or "",
                    "contribution_texte": source["text"],
                    "contribution_url": base_url + source["url"],
                }


def _to_csv(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")  # spreadsheet programs then read the accents right
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n", restval="")
    writer.writeheader()
    for row in _csv_rows(content, base_url):
        writer.writerow({key: neutralise(value) for key, value in row.items()})
    return buffer.getvalue().encode("utf-8")


def _to_json(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    return json.dumps({"version": meta, "base_url": base_url, **content}, ensure_ascii=False, indent=2).encode("utf-8")


_RENDERERS = {"docx": _to_docx, "pdf": _to_pdf, "md": _to_markdown, "html": _to_html, "csv": _to_csv, "json": _to_json}
