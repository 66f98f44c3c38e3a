"""Duplicate review pages for moderators."""
