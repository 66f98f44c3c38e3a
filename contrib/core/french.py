"""French wording shared by every area: counts with their plural written out, lists joined with « et », guillemets
kept with their words."""

from __future__ import annotations


def count(n: int, one: str, many: str | None = None) -> str:
    """« 0 contribution », « 1 contribution », « 2 contributions »: French keeps the singular below 2.

    ``many`` defaults to ``one`` with an s; give it for anything else (« contributions sources »).
    """
    return f"{n} {one if n < 2 else (many or one + 's')}"


def french_list(items: list[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1] if items else ""


NO_BREAK_SPACE = "\u00a0"


def unbroken_guillemets(text: str) -> str:
    """``text`` with a no-break space after « and before » instead of a plain one: on a phone a guillemet never
    starts or ends a line alone. For messages built in Python (flashes, errors); templates write ``&nbsp;``."""
    text = text if isinstance(text, str) else str(text)  # a Markup stays Markup: its replace keeps it safe
    return text.replace("« ", "«" + NO_BREAK_SPACE).replace(" »", NO_BREAK_SPACE + "»")


def init_app(app) -> None:
    app.jinja_env.filters["guillemets"] = unbroken_guillemets
