"""Whether two texts are copies: near copies, reworded copies (reordered, truncated, prefixed), and
the guards that keep out excerpts, campaign composites and edits that change a stance.

Every function works on folded texts (:func:`nlp.text.normalize_key`); lengths and word counts
are checked by the caller.
"""

from __future__ import annotations

import re
import zlib

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from nlp.stance import edit_changes_stance, opposite_stance
from nlp.text import normalize_key

# partial_ratio (0-100) from which the shorter text is a span of the longer one, typos aside.
_ALIGNED_THRESHOLD = 95.0
# Words the shorter text of a reworded copy may add (beyond typos): "Je propose que" before,
# "C'est urgent." after, a filler word in ten elsewhere ("vraiment", "aussi"), with enough shared.
_AFFIX_WORDS = 4
_EXTRA_SHARE = 0.1
_MIN_SHARED_WORDS = 8
_HEAD_WORDS = 6
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def verify(a: str, b: str, near_threshold: float, paraphrase_threshold: float):
    """Return (score, reason) for a verified pair, None otherwise (lengths already checked).

    ``score_cutoff`` lets rapidfuzz stop early on pairs that cannot reach a threshold
    (same verdicts and scores as without it). The word-level checks run before the reworded-copy
    scores: they reject most candidate pairs of a copy-paste campaign at a fraction of the cost of
    aligning two long texts.
    """
    ratio = fuzz.ratio(a, b, score_cutoff=near_threshold)
    if ratio:
        return ratio / 100.0, "near"
    short, long_ = sorted((a, b), key=len)
    if not _inside(short, long_) or (len(short) < 0.9 * len(long_) and not _starts_alike(short, long_)):
        return None
    reordered = fuzz.token_sort_ratio(a, b, score_cutoff=paraphrase_threshold)
    if reordered:
        return reordered / 100.0, "paraphrase"
    # One text holds (almost) all the words of the other: truncated, prefixed, a sentence added.
    # partial_ratio aligns the shorter text on a span of the longer: a truncated copy whose
    # typos break whole words for the token sets still aligns character by character.
    contained = fuzz.token_set_ratio(a, b, score_cutoff=paraphrase_threshold)
    contained = contained or fuzz.partial_ratio(short, long_, score_cutoff=_ALIGNED_THRESHOLD)
    if contained:
        return contained / 100.0 * len(short) / len(long_), "paraphrase"
    return None


def _inside(short: str, long_: str) -> bool:
    """Whether the words of ``short`` are words of ``long_``, up to typos and a few added words.

    Typos aside (one or two edits of a word of the other text), ``short`` may add up to
    ``_AFFIX_WORDS`` words at its start and at its end ("Je propose que … Merci.") and one word in
    ten elsewhere; and it must share at least ``_MIN_SHARED_WORDS`` words when it adds any. A
    truncated, reordered or prefixed copy passes; two texts that share most of their words but each
    say something of their own (two pasted sentences, then each its own third one; "Ce n'est pas le
    rôle de la loi" / "… de l'État") do not, though token-set scores rate them high.
    """
    words = short.split()
    long_words = set(long_.split())
    candidates = list(long_words)
    absent = [w not in long_words for w in words]
    if sum(absent) > 2 * _AFFIX_WORDS + 0.4 * len(words):
        return False  # more words than typos, fillers and affixes can explain: no typo search
    # Past this many words without a typo partner the answer is no (they would fill the start, the
    # end and the middle allowances, or leave fewer than _MIN_SHARED_WORDS shared): stop searching.
    limit = min(2 * _AFFIX_WORDS + 1 + _EXTRA_SHARE * len(words), len(words) - _MIN_SHARED_WORDS)
    short_missing = sum(gone and len(w) < 4 for w, gone in zip(words, absent))
    if short_missing and short_missing > limit:
        return False  # short words have no typo partner: counted before any search
    missing = []
    n_missing = 0
    for w, gone in zip(words, absent):
        lost = gone and (len(w) < 4 or _no_typo_of(w, candidates))
        if lost:
            n_missing += 1
            if n_missing > limit:
                return False
        missing.append(lost)
    if not n_missing:
        return True
    start = next((n for n, m in enumerate(missing) if not m), len(missing))
    end = len(missing) - next((n for n, m in enumerate(reversed(missing)) if not m), len(missing))
    middle = sum(missing[start:end])
    shared = len(words) - sum(missing)
    return (
        shared >= _MIN_SHARED_WORDS
        and start <= _AFFIX_WORDS
        and len(missing) - end <= _AFFIX_WORDS
        and middle <= 1 + _EXTRA_SHARE * len(words)
    )


def _starts_alike(short: str, long_: str) -> bool:
    """Whether a shorter text starts like the longer one (a few added words aside): a cut copy keeps
    the beginning; a paragraph quoted from the middle of a long text is an excerpt, not a copy."""
    a, b = short.split(), long_.split()
    window = _HEAD_WORDS + _AFFIX_WORDS
    return (
        sum(w in set(a[:window]) for w in b[:_HEAD_WORDS]) * 2 >= _HEAD_WORDS
        or sum(w in set(b[:window]) for w in a[:_HEAD_WORDS]) * 2 >= _HEAD_WORDS
    )


def _no_typo_of(word: str, candidates: list[str]) -> bool:
    """Whether ``word`` (4 letters or more: "est" is no typo of "et") is no typo of a candidate:
    one edit (Levenshtein) from 4 letters, two from 7."""
    edits = 2 if len(word) >= 7 else 1
    return process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=edits) is None


def comparable(text: str) -> str:
    """The exact-duplicate key with each link reduced to one word: a long address split into
    fifteen words ("https www republique numerique fr consultations …") made two replies that
    only cite the same page look like copies."""
    return normalize_key(_URL.sub(lambda m: f" lien{zlib.crc32(m.group().encode()) % 10**6} ", text))


def edit_changes_position(a: str, b: str) -> bool:
    """Whether the words that differ between two near copies add or remove a negation or an antonym.

    The shorter text is compared with its aligned span of the longer one, so a cut-off end or
    a prefix ("Je propose que …") does not count, but "Il ne faudrait pas …" does.
    """
    short, long_ = sorted((a, b), key=len)
    if len(short) < 0.9 * len(long_):
        span = fuzz.partial_ratio_alignment(short, long_)
        assert span is not None  # None only under a score_cutoff
        long_ = long_[span.dest_start : span.dest_end]
    return edit_changes_stance(short, long_) and opposite_stance(short, long_)
