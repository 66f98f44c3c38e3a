"""Processes (démarches) and their themes."""
