"""Shared column helpers for the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a French label for the interface."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """Return (value, French label) pairs for select fields."""
        return [(member.value, member.label) for member in cls]


def enum_column(enum_class: type[enum.Enum], length: int = 24) -> sa.Enum:
    """A portable enum type stored as its string values (VARCHAR on every database)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
