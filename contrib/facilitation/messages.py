"""French messages of the import pages, plurals written out (« 1 ligne ignorée », « 3 lignes ignorées »)
rather than « ligne(s) ignorée(s) », which people who read little stumble on."""

from __future__ import annotations

from contrib.core.french import count


def imported(n_imported: int, n_skipped: int) -> str:
    """What a confirmed import says: « 3 contributions importées ; 1 ligne ignorée. »"""
    return (
        f"{count(n_imported, 'contribution importée', 'contributions importées')} ; "
        f"{count(n_skipped, 'ligne ignorée', 'lignes ignorées')}."
    )


def undone(n_hidden: int) -> str:
    """What an undone import says; the hidden contributions stay readable by moderators."""
    stays = "elle reste consultable" if n_hidden <= 1 else "elles restent consultables"
    hidden = count(n_hidden, "contribution masquée", "contributions masquées")
    return f"Import annulé : {hidden} ({stays} par la modération)."
