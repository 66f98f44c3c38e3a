"""Checked citations: does each sentence of a generated text say what the contributions it cites say?

A generated text (by the embedded extractive engine or by any language model) cites its sources
as ``[#12]`` or ``[#12, #15]``. :func:`check_text` splits it into sentences and gives each one a
status; only ``"verifiee"`` sentences may be shown as fact:

- ``"verifiee"``: cited ids in the scope, and every deterministic check below passes;
- ``"liaison"``: a connecting phrase with no content word and no citation ("Voici ce qui ressort :");
- ``"lien"``: a citation on a sentence with nothing to check ("Voir [#3].") — a link, never a fact;
- ``"sans_citation"``: content words but no citation;
- ``"hors_perimetre"``: cites an id that is not in the scope (invented, or another cluster);
- ``"non_soutenue"``: the cited texts do not say what the sentence says; ``reason`` says why, in French.

Checks (deterministic and offline; each refusal names the rule and the contribution):

1. **Polarity** (:mod:`nlp._polarity`): every content word has the polarity of its clause
   ("ne … pas", "ne plus", "sans", "aucun", "jamais", "peu", "faute de", "contre", "refuser",
   "plutôt que"…); a word found in the cited texts only with the other polarity, or only as its
   antonym ("supprimer"/"maintenir", "augmenter"/"réduire"), is a contradiction.
2. **Numbers**: amounts, counts, percentages, fractions and periods ("20 €" = "20 euros" =
   "vingt", "20 %" = "20%", "un sur trois" = "un tiers", "chaque année" = "tous les ans") must be
   in the cited texts.
3. **Actors, places, programmes**: acronyms, capitalised proper nouns and known institutions
   (OPCO, Région, État, France Travail, CPF, Qualiopi, a city…) must be in the cited texts.
4. **Quantifiers**: "deux contributions" needs two supporting sources, "plusieurs", "des/les
   participants" at least two; "la majorité", "la plupart", "tous", "unanimement"… need a count
   over the scope: refused unless ``scope_size`` is given and the supporting sources exceed half
   of it (all of it for "tous"), or the cited text says it itself.
5. **Coverage**: every content word of the sentence is aligned with a word of the cited texts
   (same stem or lemma, or close in the sentence encoder's space), each clause is covered, the
   sentence as a whole is close in meaning to the cited passage (:func:`nlp.embeddings.embed`),
   and every cited text supports part of the sentence.

6. **Calibration** (v5, :mod:`.calibration`): coverage does not refuse on its own; a sentence no other rule
   refuses is verified when a monotone logistic regression over the rules' signals (aligned shares,
   unaligned runs, closeness in meaning, rule flags) gives it at least the stored threshold, fitted and
   cross-validated on the hand-labelled claim files (ten since v10) by ``python -m nlp.citations.calibrate``. Else the
   reason is coverage's, or "la phrase dit plus que la contribution n° 12 (confiance : 41 %)".

Thresholds were chosen on the tuning part of ``../shared/data/dev_citations.csv``
(:mod:`nlp.evaluate_citations`), never claim by claim.

The package, by job: :mod:`.sentences` (citation markers, sentence split), :mod:`.analysis` (what the
checks know of a text, the scope), :mod:`.alignment` (words and meaning aligned with the cited texts),
:mod:`.rules` (negation, numbers, quantifiers, entities, places, ages, placement, overreach…),
:mod:`.examination` (every rule run on one sentence), :mod:`.check` (the verdict). The submodules'
underscored names are the package's own; the public names are those below.
"""

from nlp.citations.analysis import SupportScorer
from nlp.citations.check import (
    CALIBRATION_REFUSAL,
    STATUS_LABELS,
    CheckedSentence,
    check_sentence,
    check_text,
    verified_share,
)
from nlp.citations.sentences import NO_ANSWER, format_citations, is_no_answer, parse_citations, split_sentences
from nlp.citations.thresholds import DEFAULT_MIN_EACH, DEFAULT_THRESHOLD

__all__ = [
    "CALIBRATION_REFUSAL",
    "DEFAULT_MIN_EACH",
    "DEFAULT_THRESHOLD",
    "NO_ANSWER",
    "STATUS_LABELS",
    "CheckedSentence",
    "SupportScorer",
    "check_sentence",
    "check_text",
    "format_citations",
    "is_no_answer",
    "parse_citations",
    "split_sentences",
    "verified_share",
]
