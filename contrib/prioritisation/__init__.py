"""Prioritisation: supports, priority and status of proposals, fair ranking, plenary sessions, public results."""
