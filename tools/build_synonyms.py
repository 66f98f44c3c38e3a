"""Rebuild ``nlp/data/synonyms_fr.txt``, the mutual synonyms of the LibreOffice French thesaurus, from Debian's
``mythes-fr`` package (nothing is downloaded at run time; ``make test`` needs no Debian package).

Usage::

    apt-get download mythes-fr
    python -m tools.build_synonyms mythes-fr_*.deb        # or the extracted /usr/share/mythes/thes_fr.dat

The thesaurus (``thes_fr.dat``, MyThes format: ``word|n`` then ``n`` lines ``(POS)|syn|syn…``) mixes the senses of
a word (« augmenter » lists « diviser »), so only a strict reading is kept:

- a pair is kept when each word lists the other (mutual), in senses that share a part of speech, and the two
  words' synonym lists overlap (Jaccard index of the lists >= :data:`MIN_OVERLAP`): mutual pairs from two
  mixed-up senses share few neighbours (« coût » / « froid » 0.10, « aide » / « camarade » 0.09, « abandonner » /
  « admirer » 0.04), real ones many (« aide » / « soutien » 0.21, « problème » / « difficulté » 0.28, « impôt » /
  « taxe » 0.32, « logement » / « habitation » 0.49). Checked on word pairs of our own, not on claim files;
- both are single content words as the checker reads them (:func:`nlp.citations.analysis._is_content`), neither
  an actor noun (the actor rule reads those), a word of the antonym or action families
  (:mod:`nlp._polarity.antonyms`: the stance and polarity rules read those) nor a place or diploma
  (:data:`nlp.citations.rules.places._QUALIFIED`: the place rule reads those, « lycée » is no « collège »);
- pairs the checker already aligns as the same word (:func:`nlp.citations.analysis._same_form`) are left out.

Words are stored folded (:func:`nlp.text.fold`), each pair once: a line holds a word, then those of its synonyms
that sort after it, space-separated (the reader makes the table symmetric).

Licence: the thesaurus is LGPL-2.1+ (Kevin Hendricks, Frédéric Labbé, Laurent Godard; Debian's
``/usr/share/doc/mythes-fr/copyright``, stanza ``dictionaries/fr_FR/thes_fr.dat``), and so is the derived table,
whose header says so.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "nlp" / "data" / "synonyms_fr.txt"

HEADER = (
    "# Mutual synonyms (same part of speech, content words, no actor, antonym or action word) of the LibreOffice\n"
    "# French thesaurus thes_fr.dat (Debian package mythes-fr), folded. Licence: LGPL-2.1+ (Kevin Hendricks,\n"
    "# Frederic Labbe, Laurent Godard), as the source. Rebuilt by: python -m tools.build_synonyms mythes-fr_*.deb\n"
)

MIN_OVERLAP = 0.25
"""Least Jaccard index of the two words' synonym lists for a mutual pair to be kept."""

_WORD = re.compile(r"^[a-zàâäçéèêëîïôöùûüÿœæ]+$")


def read_mythes(lines: Iterable[str]) -> dict[str, dict[str, set[str]]]:
    """``{word: {synonym: parts of speech of the senses listing it}}`` from MyThes lines (first line: encoding)."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    it = iter(lines)
    next(it, None)  # the encoding
    for line in it:
        head, _, count = line.rstrip("\n").partition("|")
        if not count.strip().isdigit():
            continue
        for _ in range(int(count)):
            sense = next(it, "").rstrip("\n").split("|")
            tags = set(sense[0].strip("()").split()) if sense and sense[0].startswith("(") else set()
            for synonym in sense[1:]:
                out[head.strip()][synonym.strip()] |= tags
    return out


def mutual_pairs(thesaurus: dict[str, dict[str, set[str]]]) -> set[tuple[str, str]]:
    """Pairs (a, b), a < b, each listing the other in senses sharing a part of speech, whose lists overlap by
    :data:`MIN_OVERLAP`; single lower-case words."""
    pairs = set()
    for a, synonyms in thesaurus.items():
        if not _WORD.match(a):
            continue
        for b, tags in synonyms.items():
            if a < b and _WORD.match(b) and tags & thesaurus.get(b, {}).get(a, set()):
                mine, theirs = set(synonyms), set(thesaurus[b])
                if len(mine & theirs) >= MIN_OVERLAP * len(mine | theirs):
                    pairs.add((a, b))
    return pairs


def _eligible(word: str) -> bool:
    from nlp._polarity import antonyms, is_action_word
    from nlp.citations.analysis import _is_agent, _is_content
    from nlp.citations.rules.places import _QUALIFIED

    return (
        _is_content(word)
        and not _is_agent(word)
        and not is_action_word(word)
        and not antonyms(word)
        and word not in _QUALIFIED
    )


def table(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """The folded synonyms of each folded word, both ways, after the filters of the module's docstring."""
    from nlp.citations.analysis import _same_form
    from nlp.text import fold

    out: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        a, b = fold(a), fold(b)
        if a != b and _eligible(a) and _eligible(b) and not _same_form(a, b):
            out[a].add(b)
            out[b].add(a)
    return out


def _thes_lines(path: Path) -> list[str]:
    if path.suffix == ".deb":
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-x", str(path), tmp], check=True)
            return (Path(tmp) / "usr/share/mythes/thes_fr.dat").read_text(encoding="utf-8").splitlines()
    return path.read_text(encoding="utf-8").splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_synonyms", description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="mythes-fr_*.deb or thes_fr.dat")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    synonyms = table(mutual_pairs(read_mythes(_thes_lines(args.source))))
    later = {w: sorted(v for v in s if v > w) for w, s in synonyms.items()}
    body = "".join(f"{w} {' '.join(s)}\n" for w, s in sorted(later.items()) if s)
    args.output.write_text(HEADER + body, encoding="utf-8")
    n_pairs = sum(len(s) for s in synonyms.values()) // 2
    print(f"{args.output}: {len(synonyms)} words, {n_pairs} pairs, {args.output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
