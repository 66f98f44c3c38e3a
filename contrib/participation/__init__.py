"""Participation: process pages, posting, supporting and commenting contributions."""
