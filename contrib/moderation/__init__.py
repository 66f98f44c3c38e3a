"""Moderation pages: the report queue."""
