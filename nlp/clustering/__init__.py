"""Theme clustering; see :mod:`nlp.clustering.clusterer` and ``nlp/README.md``."""

from nlp.clustering.clusterer import ThemeClusterer, cluster_contributions
from nlp.clustering.results import Cluster, ClusteringResult, Constraints

__all__ = ["Cluster", "ClusteringResult", "Constraints", "ThemeClusterer", "cluster_contributions"]
