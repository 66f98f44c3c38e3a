"""Ids read from URLs and forms: a number the database can hold, or nothing."""

from __future__ import annotations

from flask import request

# PostgreSQL's ``integer``, the type of every id column. A larger number is refused by the database
# driver (SQLite's stops at 2**63), so it is treated as "no such object" before any query.
MAX_ID = 2**31 - 1


def coerce_id(value) -> int:
    """WTForms ``coerce`` for choices that are ids: beyond MAX_ID is a ValueError, i.e. "not a valid choice"."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"{value!r} is not an id")
    return number


def parse_id(value: str | None) -> int | None:
    """``value`` as an id: ASCII digits up to MAX_ID, else None ("²" passes str.isdigit() but not int())."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        return None
    return int(value)


def query_id(name: str) -> int | None:
    """The id in the current request's query-string argument ``name``, or None."""
    return parse_id(request.args.get(name))
