"""French preprocessing: folding, tokenisation, stemming and the TF-IDF vectoriser.

``words``: fold, surface tokens, the stemming analyser; ``counting``: the fast corpus-wide
feature count; ``vectorizer``: :class:`FrenchVectorizer`.
"""

from nlp.text.counting import SurfaceCounts
from nlp.text.vectorizer import DEFAULT_DOMAIN_WORDS, FrenchVectorizer
from nlp.text.words import FrenchAnalyzer, display_forms, fold, normalize_key, surface_tokens

__all__ = [
    "DEFAULT_DOMAIN_WORDS",
    "FrenchAnalyzer",
    "FrenchVectorizer",
    "SurfaceCounts",
    "display_forms",
    "fold",
    "normalize_key",
    "surface_tokens",
]
