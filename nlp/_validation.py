"""Input checks shared by the public entry points of nlp/."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def check_corpus(
    ids: Sequence[Hashable],
    texts: Sequence[str],
    themes: Sequence[str | None] | None = None,
) -> tuple[list[Hashable], list[str], list[str | None] | None]:
    """Validate ids/texts(/themes) and return them as lists.

    Raises
    ------
    ValueError
        If lengths differ, an id or text is None, a text is not a string, an id is not
        hashable, or ids are not unique.
    """
    ids = list(ids)
    texts = list(texts)
    if len(ids) != len(texts):
        raise ValueError(f"ids and texts must have the same length, got {len(ids)} ids and {len(texts)} texts")
    if themes is not None:
        themes = list(themes)
        if len(themes) != len(ids):
            raise ValueError(f"themes must have one entry per text, got {len(themes)} for {len(ids)} texts")
    for position, (id_, text) in enumerate(zip(ids, texts)):
        if id_ is None:
            raise ValueError(f"ids must not contain None (position {position})")
        if not isinstance(text, str):
            kind = "None" if text is None else type(text).__name__
            raise ValueError(f"texts must be strings, got {kind} at position {position}")
    try:
        n_unique = len(set(ids))
    except TypeError as error:
        raise ValueError(f"ids must be hashable: {error}") from None
    if n_unique != len(ids):
        raise ValueError(f"ids must be unique, got {len(ids) - n_unique} repeated id(s)")
    return ids, texts, themes


def check_pairs(pairs, name: str = "pairs") -> list[tuple]:
    """Validate a sequence of id pairs and return it as a list of 2-tuples.

    Raises
    ------
    ValueError
        If an element is not a pair of two distinct ids.
    """
    out = []
    for pair in pairs:
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise ValueError(f"{name} must contain pairs of ids, got {pair!r}") from None
        if a == b:
            raise ValueError(f"{name} must pair two different ids, got {pair!r}")
        out.append((a, b))
    return out
