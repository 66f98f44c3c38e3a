"""Clustering pages: runs, clusters, the map, comparison and moderators' adjustments."""
