"""Rendering a plaidoyer document (``plaidoyer.document()`` or a version's content) as a file.

HTML, PDF, DOCX and Markdown print the ``Publication`` (see ``publication``): cover, table of
contents, non-empty sections, sources as "(contributions n° 12 et 15)", annex quoting each source
once, links only to a public address. The PDF is the HTML export laid out by WeasyPrint (paged media:
running header, "Page N sur M", a table of contents with page numbers, bookmarks); the DOCX is built
by ``word``. CSV and JSON carry the full provenance (proposal → contributions → events).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re

from flask import render_template

from contrib.core.errors import NotFound
from contrib.participation.exports import Export, neutralise
from contrib.plaidoyer.publication import (
    ANNEX_TITLE,
    EMPTY_NOTICE,
    TOC_TITLE,
    numbered,
    public_base,
    publication,
    unbroken_compounds,
    with_checked_citations,
)

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
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


def render(content: dict, file_format: str, *, meta: dict | None, base_url: str, stem: str) -> Export:
    """The export of ``content`` in ``file_format``; NotFound for an unknown format."""
    if file_format not in FORMATS:
        raise NotFound("Format d'export inconnu.")
    data = _RENDERERS[file_format](content, meta=meta, base_url=base_url)
    return Export(content=data, mimetype=FORMATS[file_format], filename=f"{stem}.{file_format}")


def _to_html(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    return render_template(
        "plaidoyer/export.html",
        doc=publication(content, meta=meta, base_url=base_url),
        annex_title=ANNEX_TITLE,
        toc_title=TOC_TITLE,
        empty_notice=EMPTY_NOTICE,
        compounds=unbroken_compounds,
    ).encode("utf-8")


def _no_fetch(url: str, *args, **kwargs):
    """The PDF is made from our own HTML only: WeasyPrint fetches no file and no address."""
    raise ValueError(f"Ressource externe refusée : {url}")


def _to_pdf(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one INFO line per page otherwise
    html = _to_html(content, meta=meta, base_url=base_url).decode("utf-8")
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _to_docx(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    from contrib.plaidoyer.word import docx

    return docx(publication(content, meta=meta, base_url=base_url))


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
    doc = publication(content, meta=meta, base_url=base_url)
    lines = [
        f"# {_md(doc.title)}",
        "",
        f"*{_md(f'{doc.organisation} · {doc.date} · {doc.version}')}*",
        "",
    ]

    def paragraphs(texts) -> None:
        for paragraph in texts:
            lines.extend([_md(paragraph), ""])

    if not doc.items:
        lines.extend([EMPTY_NOTICE, ""])
    if doc.introduction:
        lines.extend(["## Introduction", ""])
        paragraphs(doc.introduction)
    for part in doc.parts:
        lines.extend([f"## {part.rank}. {_md(part.title)}", ""])
        for item in part.items:
            lines.extend([f"### Proposition {item.number} : {_md(item.title)}", ""])
            paragraphs(item.paragraphs)
            lines.extend([f"> {_md(item.provenance)}", ""])
            online = f" · [la proposition en ligne]({item.url})" if item.url else ""
            lines.extend([f"Sources : {_md(item.sources)} (voir l'annexe){online}", ""])
    if doc.conclusion:
        lines.extend(["## Conclusion", ""])
        paragraphs(doc.conclusion)
    if any(item.quotes for item in doc.items):
        lines.extend([f"## {ANNEX_TITLE}", ""])
        for item in doc.items:
            if not item.quotes:
                continue
            lines.extend([f"### Proposition {item.number} : {_md(item.title)}", ""])
            for quote in item.quotes:
                link = f" ([en ligne]({quote.url}))" if quote.url else ""
                text = " ".join(" ".join(((quote.title,) if quote.title else ()) + quote.paragraphs).split())
                lines.append(f"- **Contribution n° {quote.id}** · {_md(quote.line)}{link} — {_md(text)}")
            lines.append("")
    return "\n".join(lines).encode("utf-8")


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
    for row in _csv_rows(with_checked_citations(content), public_base(base_url) or ""):
        writer.writerow({key: neutralise(value) for key, value in row.items()})
    return buffer.getvalue().encode("utf-8")


def _to_json(content: dict, *, meta: dict | None, base_url: str) -> bytes:
    data = {"version": meta, "base_url": public_base(base_url), **with_checked_citations(content)}
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


_RENDERERS = {"docx": _to_docx, "pdf": _to_pdf, "md": _to_markdown, "html": _to_html, "csv": _to_csv, "json": _to_json}
