"""Horizontal bar charts drawn on the server as SVG geometry; templates/prioritisation/_charts.html renders them.

No JavaScript and no chart library: the geometry is computed here in a fixed ``viewBox`` that the
browser scales to the screen (a phone included), and every chart ships with the table of its data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

VIEW_WIDTH = 400
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + 10
BAR_MAX_WIDTH = 300
LABEL_MAX_CHARACTERS = 56


@dataclass(frozen=True)
class Bar:
    label: str  # full label, for the table
    short_label: str  # what fits above the bar
    value: float
    display: str  # the value as people read it ("12 points", "64 %")
    label_y: float
    bar_y: float
    width: float

    @property
    def value_x(self) -> float:
        return self.width + 6


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    value_heading: str  # the table's column heading for the values
    bars: list[Bar]
    height: int
    width: int = VIEW_WIDTH


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_MAX_CHARACTERS else label[: LABEL_MAX_CHARACTERS - 1].rstrip() + "…"


def bar_chart(
    chart_id: str, title: str, rows: Sequence[tuple[str, float, str]], *, value_heading: str = "Valeur"
) -> BarChart:
    """One bar per ``(label, value, display)`` row, in the given order, scaled to the largest value.

    Raises ValueError on a negative value. An empty ``rows`` gives a chart without bars.
    """
    if any(value < 0 for _, value, _ in rows):
        raise ValueError("bar values must be >= 0")
    largest = max((value for _, value, _ in rows), default=0) or 1
    bars = []
    for index, (label, value, display) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = round(BAR_MAX_WIDTH * value / largest, 1)
        bars.append(
            Bar(
                label=label,
                short_label=_shorten(label),
                value=value,
                display=display,
                label_y=top + LABEL_HEIGHT - 4,
                bar_y=top + LABEL_HEIGHT,
                width=max(width, 1.0 if value else 0.0),
            )
        )
    return BarChart(
        chart_id=chart_id,
        title=title,
        value_heading=value_heading,
        bars=bars,
        height=max(len(rows) * ROW_HEIGHT, ROW_HEIGHT),
    )
