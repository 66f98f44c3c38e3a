"""The plaidoyer as a document to publish: what every readable export (HTML, PDF, DOCX, Markdown) prints.

``publication(content, meta=, base_url=)`` turns the document's JSON (current or frozen) into a
``Publication``: cover (title, organisation, date, version), table of contents, the sections that
hold proposals (empty ones are left out, and numbered past), each proposal's text with its citations
checked and its sources as "contributions n° 12 et 15", and the annex quoting each source
contribution once. Authors are never named: a source is its number, event, region, theme, kind and
actor type.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from contrib.core.french import count, french_list
from contrib.proposals.services import citation_parts
from nlp.stopwords import MONTHS

ORGANISATION = "Conférence Permanente des Organismes de Formation (CPOF)"
ANNEX_TITLE = "Annexe : contributions sources de chaque proposition"
TOC_TITLE = "Sommaire"
EMPTY_NOTICE = "Ce document ne contient encore aucune proposition."
REMOVED_CITATION = "[citation retirée]"
NBSP = "\u00a0"
PARIS = ZoneInfo("Europe/Paris")


# The hyphen of a compound: « week-end », « Nouvelle-Aquitaine », « face-à-face ».
COMPOUND_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
WORD_JOINER = "\u2060"


def unbroken_compounds(text: str) -> str:
    """``text`` with a word joiner (U+2060) after each hyphen inside a word, so that a printed title, contents
    entry or provenance never ends a line on « week- » with « end » below.

    Not the non-breaking hyphen U+2011: the Liberation fonts have no glyph for it (another font's hyphen would
    be printed), and a PDF reader searching « week-end » would not find it. The joiner is invisible and not
    extracted with the text. Not ``white-space: nowrap`` either: WeasyPrint 70 then breaks such a line at its
    first opportunity (« Provenance : » alone on its line)."""
    return COMPOUND_HYPHEN.sub("-" + WORD_JOINER, text)


def french_date(moment: datetime) -> str:
    """« 2 décembre 2026 » (« 1er » for the first), in Paris time."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(PARIS)
    return f"{'1er' if local.day == 1 else local.day} {MONTHS[local.month - 1]} {local.year}"


def public_base(url: str | None) -> str | None:
    """``url`` without its trailing slash when people outside could open it; None for a loopback,
    private or link-local address, ``localhost`` and ``.local`` names, or no address at all."""
    host = urlsplit(url or "").hostname
    if not host:
        return None
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return (url or "").rstrip("/")
    if address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified:
        return None
    return (url or "").rstrip("/")


def provenance_line(origin: dict) -> str:
    """One French line saying where a proposal comes from and how much support it has."""
    parts = [
        count(origin["n_sources"], "contribution source", "contributions sources"),
        count(origin["n_supporters"], "soutien") + " (personnes distinctes)",
        count(origin["n_events"], "démarche") + " : " + " ; ".join(event["title"] for event in origin["events"]),
    ]
    if origin["regions"]:
        parts.append(("région : " if len(origin["regions"]) == 1 else "régions : ") + ", ".join(origin["regions"]))
    if origin["actor_types"]:
        parts.append("acteurs : " + ", ".join(f"{actor['label']} ({actor['n']})" for actor in origin["actor_types"]))
    return "Provenance : " + " · ".join(parts) + "."


def source_line(source: dict) -> str:
    """What the annex says about a source contribution before quoting it (the region only when the
    event's title does not already say it)."""
    where = source["process"]
    if source["region"] and source["region"] not in where:
        where += f" ({source['region']})"
    written = french_date(datetime.fromisoformat(source["date"]).replace(hour=12))
    return f"{where} · {source['theme']} · {source['kind']} · {source['actor_type']} · {written}"


def sources_label(ids: list[int]) -> str:
    """« contribution n° 12 », « contributions n° 12, 15 et 31 », « aucune contribution source visible »
    (a no-break space after « n° »: the number never starts the next line)."""
    if not ids:
        return "aucune contribution source visible"
    return ("contribution" if len(ids) == 1 else "contributions") + f" n°{NBSP}" + french_list([str(i) for i in ids])


def paragraphs(text: str | None) -> list[str]:
    return [paragraph.strip() for paragraph in (text or "").split("\n\n") if paragraph.strip()]


def proposal_paragraphs(text: str | None) -> list[str]:
    """A proposal's text, one paragraph a line, as its own page shows it: a draft's « Constat : » and each of
    its sentences stay on their own line in the exports instead of running into one block."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def numbered(content: dict) -> list[tuple[int | None, dict, list[tuple[int, dict]]]]:
    """Sections and proposals with their display numbers, as every export prints them: proposals are
    numbered across the document; an empty section has no number (exports leave it out)."""
    counter, rank, result = 0, 0, []
    for section in content["sections"]:
        proposals = []
        for proposal in section["proposals"]:
            counter += 1
            proposals.append((counter, proposal))
        if proposals:
            rank += 1
        result.append((rank if proposals else None, section, proposals))
    return result


def cited_text(text: str, source_ids, *, space: str = " ") -> str:
    """A proposal's text for a document leaving the platform: ``[#114]`` reads "[n° 114]" when 114 is one
    of its (visible) sources; a citation of anything else is removed and marked, never printed.

    ``space`` goes between « n° » and the number: the printed documents pass a no-break space, so that a
    line never ends with "[n°" and the number starts the next one.
    """
    pieces = []
    for piece, ids in citation_parts(text):
        if not ids:
            pieces.append(piece)
            continue
        kept = [i for i in ids if i in source_ids]
        pieces.append(f"[n°{space}{f', n°{space}'.join(map(str, kept))}]" if kept else "")
        if len(kept) < len(ids):
            pieces.append(REMOVED_CITATION)
    return "".join(pieces)


def with_checked_citations(content: dict) -> dict:
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


@dataclass(frozen=True)
class Quote:
    """A source contribution as the annex quotes it."""

    id: int
    anchor: str
    line: str
    title: str | None
    paragraphs: tuple[str, ...]
    url: str | None


@dataclass(frozen=True)
class Item:
    """A proposal as the document prints it."""

    number: int
    title: str
    anchor: str
    paragraphs: tuple[str, ...]
    provenance: str
    source_ids: tuple[int, ...]
    sources: str
    url: str | None
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Part:
    rank: int
    title: str
    anchor: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Publication:
    title: str
    organisation: str
    date: str
    created: datetime
    version: str
    figures: str
    introduction: tuple[str, ...]
    parts: tuple[Part, ...]
    conclusion: tuple[str, ...]
    base_url: str | None

    @property
    def items(self) -> list[Item]:
        return [item for part in self.parts for item in part.items]

    @property
    def contents(self) -> list[tuple[int, str, str]]:
        """The table of contents: (level, text, anchor) in reading order."""
        entries = [(1, "Introduction", "introduction")] if self.introduction else []
        for part in self.parts:
            entries.append((1, f"{part.rank}. {part.title}", part.anchor))
            entries.extend((2, f"Proposition {item.number} : {item.title}", item.anchor) for item in part.items)
        if self.conclusion:
            entries.append((1, "Conclusion", "conclusion"))
        if any(item.quotes for item in self.items):
            entries.append((1, ANNEX_TITLE, "annexe"))
        return entries


def _link(base_url: str | None, path: str) -> str | None:
    return f"{base_url}{path}" if base_url else None


def _item(number: int, proposal: dict, base_url: str | None, quoted: set[int]) -> Item:
    sources = proposal["provenance"]["sources"]
    quotes = []
    for source in sources:
        if source["id"] not in quoted:
            quoted.add(source["id"])
            quotes.append(
                Quote(
                    id=source["id"],
                    anchor=f"contribution-{source['id']}",
                    line=source_line(source),
                    title=source["title"],
                    paragraphs=tuple(paragraphs(source["text"])),
                    url=_link(base_url, source["url"]),
                )
            )
    ids = tuple(source["id"] for source in sources)
    return Item(
        number=number,
        title=proposal["title"],
        anchor=f"proposition-{number}",
        paragraphs=tuple(proposal_paragraphs(cited_text(proposal["text"], set(ids), space=NBSP))),
        provenance=provenance_line(proposal["provenance"]),
        source_ids=ids,
        sources=sources_label(list(ids)),
        url=_link(base_url, proposal["url"]),
        quotes=tuple(quotes),
    )


def _version(meta: dict | None) -> tuple[str, datetime]:
    if meta is None:
        return "Document de travail (non figé)", datetime.now(UTC)
    return f"Version {meta['number']} « {meta['label']} »", datetime.fromisoformat(meta["created_at"])


def publication(content: dict, *, meta: dict | None, base_url: str | None) -> Publication:
    """What the readable exports print of ``content`` (``meta``: the version, None for the current
    document; ``base_url``: the site's address, printed only when public)."""
    base = public_base(base_url)
    quoted: set[int] = set()
    parts = tuple(
        Part(
            rank=rank,
            title=section["title"],
            anchor=f"section-{rank}",
            items=tuple(_item(number, proposal, base, quoted) for number, proposal in proposals),
        )
        for rank, section, proposals in numbered(content)
        if rank is not None
    )
    version, created = _version(meta)
    regions = sorted(
        {
            event["region"]
            for part in content["sections"]
            for p in part["proposals"]
            for event in p["provenance"]["events"]
            if event.get("region")
        }
    )
    n_items = sum(len(part.items) for part in parts)
    figures = (
        f"{count(n_items, 'proposition')}, {'issue' if n_items == 1 else 'issues'} de "
        + count(len(quoted), "contribution")
        + (f" ; {'région' if len(regions) == 1 else 'régions'} : {', '.join(regions)}" if regions else "")
        + "."
    )
    return Publication(
        title=content["plaidoyer"]["title"],
        organisation=ORGANISATION,
        date=french_date(created),
        created=created,
        version=version,
        figures=figures,
        introduction=tuple(paragraphs(content["plaidoyer"]["introduction"])),
        parts=parts,
        conclusion=tuple(paragraphs(content["plaidoyer"]["conclusion"])),
        base_url=base,
    )
