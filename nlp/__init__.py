"""French text analysis for Contrib: theme clustering, duplicates and similar contributions.

A pure library: plain ids and texts in, frozen dataclasses out; it never imports Flask or the
application. See ``nlp/README.md`` for the choices made and the figures measured.
"""

from nlp.clustering import Cluster, ClusteringResult, Constraints, ThemeClusterer, cluster_contributions
from nlp.duplicates import REASON_LABELS, DuplicateGroup, find_duplicates
from nlp.similar import SimilarIndex
from nlp.stability import co_assignment_stability, match_clusters
from nlp.text import FrenchVectorizer, fold, normalize_key

__all__ = [
    "REASON_LABELS",
    "Cluster",
    "ClusteringResult",
    "Constraints",
    "DuplicateGroup",
    "FrenchVectorizer",
    "SimilarIndex",
    "ThemeClusterer",
    "cluster_contributions",
    "co_assignment_stability",
    "find_duplicates",
    "fold",
    "match_clusters",
    "normalize_key",
]
