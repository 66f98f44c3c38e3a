"""French wording shared by every area: counts with their plural written out, lists joined with « et », guillemets
and question marks kept with their words."""

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


def french_spacing(text: str) -> str:
    """``text`` with a no-break space after « and before », ? and ! instead of a plain one, as French typography
    wants: on a phone a guillemet or a question mark never starts or ends a line alone. For texts built in Python
    (flashes, errors, journal sentences quoting what someone typed); templates use the filter."""
    text = text if isinstance(text, str) else str(text)  # a Markup stays Markup: its replace keeps it safe
    text = text.replace("« ", "«" + NO_BREAK_SPACE)
    for mark in "»?!":
        text = text.replace(" " + mark, NO_BREAK_SPACE + mark)
    return text


def init_app(app) -> None:
    app.jinja_env.filters["french_spacing"] = french_spacing
