"""Search of a process's contributions by words and by meaning, merged into one ranked list.

Words: the database's full-text engine over the folded text (``search_text``: lower case, no
accents), every query word required, each as a prefix of its stem or of its masculine form
(« formatrice » finds « formateurs »): SQLite FTS5 (``contributions_fts``, kept in sync by
triggers, with the process, theme and kind as tokens of a second column, so filters are part of the
match) and PostgreSQL full-text search (``french`` configuration, a stored ``tsvector`` column behind a
GIN index; the text is folded already, so ``unaccent`` is not needed). A word with a typo is corrected
towards the closest stems of the process's vocabulary (rapidfuzz over the similar index's words:
« certifcation »). Both databases return the newest ``WORD_CANDIDATES`` word hits (no engine ranking:
bm25 over 50,000 matches took 350–500 ms on SQLite, and PostgreSQL's index holds no positions).
On PostgreSQL the newest rows are walked through an index of each visible row's word signature (a Bloom
filter of the prefixes of its words, ``SIGNATURE_COLUMN``, migration 0028) and only the rows whose signature
can match are read and matched against the query: the same rows, about a tenth of the reads.
Meaning: the process's similar-contributions index (hybrid: TF-IDF + stored vectors), which also
ranks the word hits. A word hit gets ``WORD_BONUS`` on top of its hybrid score: precise matches first,
the closest ideas among them first.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import numpy as np
import rapidfuzz
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from contrib.extensions import db
from contrib.models import Contribution
from contrib.participation import similar
from nlp import fold
from nlp.text import FrenchAnalyzer

SEARCH_MAX_WORDS = 8
WORD_CANDIDATES = 1000  # word hits ranked by meaning; beyond, the count says "plus de"
MEANING_CANDIDATES = 30
MEANING_MIN_SCORE = 0.25
TYPO_MIN_LENGTH = 5  # shorter words are corrected towards too many others
TYPO_MIN_RATIO = 85  # rapidfuzz ratio: one or two edits on a word of 6 to 12 letters
WORD_BONUS = 0.2
FTS_TABLE = "contributions_fts"
VECTOR_COLUMN = "search_vector"  # PostgreSQL: to_tsvector('french', search_text), stored (migration 0023)
VECTOR_INDEX = "ix_contributions_search_vector"
# PostgreSQL: bit(1024) from search_text, stored, and two partial indexes that include it (migration 0028).
SIGNATURE_COLUMN = "search_signature"
SIGNATURE_INDEXES = ("ix_contributions_process_signature", "ix_contributions_process_theme_signature")
# Below this many matches in the table (the planner's estimate), the words are read from the GIN index: the
# walk, even through the signatures, would pass most of the process's rows to find them (« apiculteurs » at
# 1,000,000: 294 matches, 700 ms walking the signature index to its end, 2–4 ms through the GIN index).
RARE_MATCHES = 10_000
# How long a worker keeps the planner's estimate for the same words (the ``EXPLAIN`` was a round trip more per
# search). An estimate only chooses between two statements that find the same rows, and it follows the
# table's statistics, which change slowly: an old one costs at worst a slower plan, never other results.
ESTIMATE_SECONDS = 600.0
# French feminine endings and the masculine form the stemmer then reduces (directrice → directeur).
_MASCULINE = ((r"rices?$", "eur"), (r"euses?$", "eur"), (r"ives?$", "if"), (r"elles?$", "el"), (r"ennes?$", "en"))
_WORD = re.compile(r"[^\W_]+")


def is_engine_object(name: str, type_: str) -> bool:
    """The full-text structures the migrations create outside the models (schema comparisons skip them)."""
    return (
        (type_ == "table" and name.startswith(FTS_TABLE))
        or (type_ == "index" and name in (VECTOR_INDEX, *SIGNATURE_INDEXES))
        or (type_ == "column" and name in (VECTOR_COLUMN, SIGNATURE_COLUMN))
    )


@dataclass(frozen=True)
class SearchPage:
    """One page of ranked results, with the total found (``more`` when the word hits were capped)."""

    items: list[Contribution]
    n_found: int
    more: bool
    number: int
    n_pages: int
    by_meaning: frozenset[int]  # results that share no searched word: found by meaning only
    terms: tuple[str, ...] = ()  # the folded prefixes searched (typo corrections included), to highlight


def prefixes(query: str, vocabulary: frozenset[str] = frozenset()) -> list[set[str]]:
    """For each content word of ``query`` (at most ``SEARCH_MAX_WORDS`` words), the prefixes any one of
    which matches it; a word none of whose forms is in ``vocabulary`` (stems) also gets the closest
    stems there (a typo: « certifcation » → « certif »)."""
    analyzer = FrenchAnalyzer()
    groups = []
    for word in _WORD.findall(fold(query))[:SEARCH_MAX_WORDS]:
        if not analyzer.stems(word):
            continue  # a stop word (« les », « pour »): not required
        forms = {word} | {re.sub(pattern, ending, word) for pattern, ending in _MASCULINE if re.search(pattern, word)}
        group = set()
        for form in forms:
            stem = (analyzer.stems(form) or [form])[0]
            # A stem is a prefix of the word's forms; too short a stem would match everything.
            group.add(stem if len(stem) >= 4 and form.startswith(stem) else form)
        if vocabulary and not group & vocabulary:
            group.update(_close_stems(group, vocabulary))
        groups.append(group)
    return groups


def _close_stems(stems: set[str], vocabulary: frozenset[str]) -> set[str]:
    close = set()
    for stem in stems:
        if len(stem) >= TYPO_MIN_LENGTH:
            close.update(_closest(stem, vocabulary))
    return close


class _TypoCache:
    """The last vocabulary's words in its iteration order with their lengths, and the corrections
    found in it: searching the whole vocabulary took 3–4 ms per word at 100,000 contributions, and
    each page of a search (or another sort) corrects the same words again."""

    MAX_WORDS = 4096

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.vocabulary: frozenset[str] | None = None
        self.words = np.empty(0, dtype=object)
        self.lengths = np.empty(0, dtype=np.int64)
        self.closest: dict[str, tuple[str, ...]] = {}

    def of(self, vocabulary: frozenset[str]) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[str, ...]]]:
        with self.lock:
            if self.vocabulary is not vocabulary:
                words = list(vocabulary)  # the order rapidfuzz reads the set in: the same ties kept
                self.words = np.array(words, dtype=object)
                self.lengths = np.fromiter(map(len, words), np.int64, len(words))
                self.vocabulary, self.closest = vocabulary, {}
            return self.words, self.lengths, self.closest


_typo_cache = _TypoCache()


def _closest(stem: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """The (at most 3) stems of ``vocabulary`` closest to ``stem`` with a ratio of ``TYPO_MIN_RATIO`` or
    more, as rapidfuzz finds them in the whole set. Only words of a length that can reach the ratio are
    compared (the ratio is ``100 * (1 - distance / (len(a) + len(b)))`` and the distance is at least the
    difference of lengths), in the set's order: the same matches, ties included."""
    words, lengths, closest = _typo_cache.of(vocabulary)
    found = closest.get(stem)
    if found is None:
        slack = (1 - TYPO_MIN_RATIO / 100) * (lengths + len(stem)) + 1e-6
        choices = words[np.abs(lengths - len(stem)) <= slack].tolist()
        found = tuple(
            match
            for match, _, _ in rapidfuzz.process.extract(
                stem, choices, scorer=rapidfuzz.fuzz.ratio, score_cutoff=TYPO_MIN_RATIO, limit=3
            )
        )
        if len(closest) < _TypoCache.MAX_WORDS:
            closest[stem] = found
    return found


def _word_hits(statement, groups: list[set[str]], scope: list[str], process_id: int, theme_id: int | None) -> list[int]:
    """Ids of ``statement``'s rows matching every group, newest first (at most ``WORD_CANDIDATES`` + 1).
    ``statement`` selects visible rows of process ``process_id`` (and theme ``theme_id``); ``scope``:
    SQLite's tokens for the process or theme and the kind that ``statement`` filters on."""
    return list(db.session.scalars(_word_statement(statement, groups, scope, process_id, theme_id)))


def _word_statement(statement, groups: list[set[str]], scope: list[str], process_id: int, theme_id: int | None):
    """The select of ``_word_hits``' ids, newest first."""
    statement = statement.with_only_columns(Contribution.id).limit(WORD_CANDIDATES + 1)
    if db.engine.dialect.name == "sqlite":
        words = " AND ".join("(" + " OR ".join(f'"{prefix}"*' for prefix in sorted(group)) + ")" for group in groups)
        match = f"{{search_text}} : ({words}) AND {{scope}} : ({' AND '.join(scope)})"
        fts = sa.table(FTS_TABLE, sa.column("rowid"))
        statement = (
            statement.join(fts, fts.c.rowid == Contribution.id)
            .where(sa.text(f"{FTS_TABLE} MATCH :match").bindparams(match=match))
            .order_by(fts.c.rowid.desc())
        )
    else:
        terms = " & ".join("(" + " | ".join(f"'{prefix}':*" for prefix in sorted(group)) + ")" for group in groups)
        tsquery = sa.func.to_tsquery(sa.literal_column("'french'"), terms)
        vector = sa.literal_column(f"{Contribution.__tablename__}.{VECTOR_COLUMN}")
        statement = statement.where(vector.op("@@")(tsquery))
        if _estimates.get(terms, lambda: _estimated_matches(vector.op("@@")(tsquery))) <= RARE_MATCHES:
            statement = statement.order_by(Contribution.id.desc())  # the planner reads them from the GIN index
        else:
            # JIT is off for the app's connections (``contrib.extensions``): this walk is costed as a walk of
            # the whole signature index, over ``jit_above_cost``, though it stops after about 1,000 rows.
            candidates = _signature_candidates(groups, process_id, theme_id)
            statement = statement.join(candidates, candidates.c.id == Contribution.id).order_by(candidates.c.id.desc())
    return statement


def _estimated_matches(match) -> float:
    """PostgreSQL: the planner's estimate of the rows of the table that ``match`` (from the column's
    statistics; planning only, nothing read)."""
    probe = sa.select(sa.literal_column("1")).select_from(Contribution.__table__).where(match)
    compiled = probe.compile(dialect=db.engine.dialect)
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    return plan[0]["Plan"]["Plan Rows"]


class _EstimateCache:
    """The planner's estimates of matching rows per ``to_tsquery`` text, each kept ``ESTIMATE_SECONDS``;
    at most ``MAX_QUERIES`` of them (all forgotten when full: searches repeat a few words)."""

    MAX_QUERIES = 4096

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.estimates: dict[str, tuple[float, float]] = {}  # terms → (estimate, time.monotonic() it was made)

    def get(self, terms: str, estimate) -> float:
        """The kept estimate for ``terms``, or ``estimate()`` (then kept)."""
        now = time.monotonic()
        with self.lock:
            kept = self.estimates.get(terms)
        if kept is not None and now - kept[1] < ESTIMATE_SECONDS:
            return kept[0]
        value = estimate()
        with self.lock:
            if len(self.estimates) >= self.MAX_QUERIES:
                self.estimates.clear()
            self.estimates[terms] = (value, now)
        return value

    def forget(self) -> None:
        with self.lock:
            self.estimates.clear()


_estimates = _EstimateCache()


def _signature_candidates(groups: list[set[str]], process_id: int, theme_id: int | None):
    """PostgreSQL: the visible rows of the process (or theme) whose word signature has the bits of every
    group (of one of its prefixes), newest first, read from a signature index alone (an index-only scan
    backwards). A necessary condition only: the caller matches the rows' vectors. ``OFFSET 0`` keeps the
    subquery whole, so the planner walks it in id order and stops once enough rows matched, instead of
    merging it into the join (it estimates a handful of candidates, and would sort them all).

    Each bit is tested with ``get_bit`` at a constant position (``_mask_bits``): the walk checked the
    1,000,000 signatures of a process 26–43 % faster than with ``(signature & mask) = mask``. The
    statement still names ``contrib_word_mask`` once, in a condition the planner folds to true: that
    function is ``PARALLEL UNSAFE`` (migration 0028), so the walk gets no parallel workers (a Gather Merge
    made « donnees publiques » 62 ms instead of 28)."""
    signature = sa.literal_column(f"{Contribution.__tablename__}.{SIGNATURE_COLUMN}")
    bits = _mask_bits({prefix for group in groups for prefix in group})

    def has(positions):
        one = sa.literal_column("1")
        return sa.and_(*(sa.func.get_bit(signature, sa.literal_column(str(n))) == one for n in sorted(positions)))

    # A group of one prefix: its bits join the others' (one conjunction); a group of several: one of them.
    single = set().union(*(bits[next(iter(group))] for group in groups if len(group) == 1))
    tests = [has(single)] if single else []
    for group in groups:
        if len(group) > 1 and all(bits[prefix] for prefix in group):  # a prefix requiring nothing: always true
            tests.append(sa.or_(*(has(bits[prefix]) for prefix in sorted(group))))
    some_prefix = min(bits)  # any: the planner computes its mask once, and the condition is always true
    no_parallel_workers = sa.func.contrib_word_mask(
        sa.literal_column("'" + some_prefix.replace("'", "''") + "'", sa.Text)
    ).is_not(None)
    scope = [Contribution.process_id == process_id, Contribution.hidden_at.is_(None)]
    if theme_id is not None:
        scope.append(Contribution.theme_id == theme_id)
    return (
        sa.select(Contribution.id)
        .where(*scope, *tests, no_parallel_workers)
        .order_by(Contribution.id.desc())
        .offset(sa.literal_column("0"))
        .subquery("word_candidates")
    )


class _MaskBits:
    """The signature bits (positions, 0 the leftmost) each searched prefix requires, from the database's
    ``contrib_word_mask`` (it normalises the prefix as ``to_tsquery`` does, which only PostgreSQL's stemmer
    can): read once per prefix in a worker, as the function is immutable; at most ``MAX_PREFIXES`` kept."""

    MAX_PREFIXES = 16384

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bits: dict[str, frozenset[int]] = {}

    def of(self, prefixes: set[str]) -> dict[str, frozenset[int]]:
        """Every prefix of ``prefixes`` → its bits (empty: a stop word, nothing required); one statement for
        those not read before."""
        with self.lock:
            known = {prefix: self.bits[prefix] for prefix in prefixes if prefix in self.bits}
        missing = sorted(prefixes - known.keys())
        if missing:
            masks = db.session.execute(
                sa.text(
                    "SELECT prefix, contrib_word_mask(prefix)::text FROM unnest(CAST(:prefixes AS text[])) AS prefix"
                ).bindparams(prefixes=missing)
            ).all()
            read = {prefix: frozenset(n for n, bit in enumerate(mask) if bit == "1") for prefix, mask in masks}
            with self.lock:
                if len(self.bits) + len(read) > self.MAX_PREFIXES:
                    self.bits.clear()
                self.bits.update(read)
            known.update(read)
        return known

    def forget(self) -> None:
        with self.lock:
            self.bits.clear()


_mask_bits_cache = _MaskBits()


def _mask_bits(prefixes: set[str]) -> dict[str, frozenset[int]]:
    return _mask_bits_cache.of(prefixes)


def _one_statement() -> bool:
    """Whether a search reads its word hits, its meaning hits' filter and the similar index's freshness
    check in one statement (``_hits_in_one_statement``): on PostgreSQL, where each statement is a round
    trip and, on a busy host, a wait for the database's process to get a core. SQLite runs in the
    process: a statement costs no wait there."""
    return db.engine.dialect.name == "postgresql"


def _hits_in_one_statement(process_id: int, query: str, base, theme_id: int | None, kind: str | None):
    """(meaning ranking, word groups, word hit ids, meaning hit ids kept by the filters of ``base``) as
    ``search`` reads them in three statements (the index's freshness check, the word hits, the filter of
    the meaning hits), read in one: the process is ranked by meaning on its cached index first, and the
    check runs in the same statement as the words. None when that check fails (rows posted or edited
    since the index was built, or no index yet): ``search`` then reads them as before, after the index is
    brought up to date."""
    unchecked = similar.rank_unchecked(process_id, query, k=MEANING_CANDIDATES, min_score=MEANING_MIN_SCORE)
    if unchecked is None:
        return None
    meaning = dict(unchecked.ranked)
    groups = prefixes(query, similar.vocabulary(process_id))
    columns = list(unchecked.columns)
    if groups:
        words = _word_statement(base, groups, fts_scope(process_id, theme_id, kind), process_id, theme_id)
        columns.append(sa.func.array(words.scalar_subquery()))
    if meaning:
        filtered = base.with_only_columns(Contribution.id).where(Contribution.id.in_(meaning))
        columns.append(sa.func.array(filtered.scalar_subquery()))
    values = db.session.execute(sa.select(*columns)).one()
    n_check = len(unchecked.columns)
    if not unchecked.holds(values[:n_check]):
        return None
    arrays = iter(values[n_check:])
    word_ids = sorted(next(arrays), reverse=True) if groups else []  # newest first, as the subquery orders them
    meaning_ids = list(next(arrays)) if meaning else []
    return meaning, groups, word_ids, meaning_ids


def fts_scope(process_id: int, theme_id: int | None, kind: str | None) -> list[str]:
    """The FTS5 ``scope`` tokens a search requires (migration 0023): the theme's (themes belong to one
    process) or else the process's, and the kind's."""
    tokens = [f"t{theme_id}" if theme_id is not None else f"p{process_id}"]
    if kind:
        tokens.append("k" + kind.replace("_", ""))
    return tokens


def search(
    process_id: int,
    query: str,
    base,
    *,
    theme_id: int | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
    order=None,
) -> SearchPage:
    """Rank the rows of ``base`` (a select of the process's visible contributions, of theme ``theme_id``
    and kind ``kind`` when given) for ``query``; return page ``page``. ``order(ids)``, if given, is a
    select of those ids' contributions in another order (most supported…) that replaces the ranking."""
    found = _hits_in_one_statement(process_id, query, base, theme_id, kind) if _one_statement() else None
    if found is None:
        # First, as it builds the process's index when needed: its vocabulary corrects typos below.
        meaning = dict(similar.rank(process_id, query, k=MEANING_CANDIDATES, min_score=MEANING_MIN_SCORE) or [])
        groups = prefixes(query, similar.vocabulary(process_id))
        scope = fts_scope(process_id, theme_id, kind)
        word_ids = _word_hits(base, groups, scope, process_id, theme_id) if groups else []
        kept = set(word_ids[:WORD_CANDIDATES])
        meaning_ids = [id_ for id_ in meaning if id_ not in kept]
        if meaning_ids:  # the same filters as the word hits (visible, theme, kind)
            meaning_ids = list(
                db.session.scalars(base.with_only_columns(Contribution.id).where(Contribution.id.in_(meaning_ids)))
            )
    else:
        meaning, groups, word_ids, meaning_ids = found
    more = len(word_ids) > WORD_CANDIDATES
    word_ids = word_ids[:WORD_CANDIDATES]
    scores = dict.fromkeys(word_ids, WORD_BONUS)
    if word_ids:
        hits = similar.rank(process_id, query, k=len(word_ids), min_score=0.0, restrict_ids=word_ids, recheck=False)
        for id_, score in hits or []:
            scores[id_] += score
    meaning_ids = [id_ for id_ in meaning_ids if id_ not in scores]
    scores.update((id_, meaning[id_]) for id_ in meaning_ids)
    engine_order = {id_: position for position, id_ in enumerate(word_ids)}
    ranked = sorted(scores, key=lambda id_: (-scores[id_], engine_order.get(id_, len(engine_order)), id_))
    if order is not None and ranked:
        ranked = list(db.session.scalars(order(ranked).with_only_columns(Contribution.id)))
    n_pages = max(1, -(-len(ranked) // per_page))
    number = min(max(page, 1), n_pages)
    page_ids = ranked[(number - 1) * per_page : number * per_page]
    found = {
        c.id: c
        for c in db.session.scalars(
            db.select(Contribution)
            .options(joinedload(Contribution.theme), joinedload(Contribution.author))
            .where(Contribution.id.in_(page_ids))
        )
    }
    return SearchPage(
        items=[found[id_] for id_ in page_ids],
        n_found=len(ranked),
        more=more,
        number=number,
        n_pages=n_pages,
        by_meaning=frozenset(meaning_ids),
        terms=tuple(sorted({prefix for group in groups for prefix in group})),
    )
