"""French polarity of words in context: negators, negative verbs, antonym pairs (folded forms).

Used by :mod:`nlp.citations` to refuse a sentence that says the opposite of its source. The
polarity of a word is the parity of the negations of its clause: "Il ne faut pas supprimer le
budget" gives ``supprimer`` polarity 1, "Il faut supprimer le budget" polarity 0. Antonyms
("supprimer"/"maintenir", "augmenter"/"réduire") count as the same word with the other polarity.
Self-contained on purpose (the stance model of ``nlp.stance`` may replace it later).

The package, by job: :mod:`.clauses` (tokens and the clause each belongs to), :mod:`.negators` (the
words that negate, litotes and rhetorical questions), :mod:`.scope` (how far each negation reaches: the
polarity of every word), :mod:`.antonyms` (opposite word families, action words). The submodules'
underscored names are the package's own; the public names are those below.
"""

from nlp._polarity.antonyms import antonyms, in_family, is_action_word
from nlp._polarity.clauses import Token, tokenize
from nlp._polarity.negators import BARE_NEGATORS, NE_PARTICLES, is_negative_word, is_polarity_word
from nlp._polarity.scope import polarities, sans_complements

__all__ = [
    "BARE_NEGATORS",
    "NE_PARTICLES",
    "Token",
    "antonyms",
    "in_family",
    "is_action_word",
    "is_negative_word",
    "is_polarity_word",
    "polarities",
    "sans_complements",
    "tokenize",
]
