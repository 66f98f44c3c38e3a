"""Horizontal bar charts drawn on the server as SVG geometry; templates/prioritisation/_charts.html renders them.

No JavaScript and no chart library: the geometry is computed here in a fixed ``viewBox`` that the
browser scales to the screen (a phone included), and every chart ships with the table of its data.
Nothing is cut: a long label wraps onto several lines, and a value that would run past the right
edge is written inside its bar instead.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

VIEW_WIDTH = 400
LINE_HEIGHT = 16  # one line of label (13 px type)
BAR_HEIGHT = 16
GAP = 10
BAR_MAX_WIDTH = 300
LABEL_LINE_CHARACTERS = 52  # what fits on one line of the 400-unit width at 13 px, with margin
VALUE_CHARACTER_WIDTH = 7.2  # a generous average advance of the 12 px bold value type
VALUE_MARGIN = 6


def value_width(display: str) -> float:
    """An upper estimate of the width the value text takes, in viewBox units."""
    return len(display) * VALUE_CHARACTER_WIDTH


@dataclass(frozen=True)
class Bar:
    label: str  # full label, for the table
    label_lines: tuple[str, ...]  # the label wrapped above the bar, nothing left out
    value: float
    display: str  # the value as people read it ("12 points", "64 % · 38 soutiens")
    label_y: float  # baseline of the first label line
    bar_y: float
    width: float
    value_inside: bool  # the value is written inside the bar (it would not fit after it)

    @property
    def value_x(self) -> float:
        return self.width - VALUE_MARGIN if self.value_inside else self.width + VALUE_MARGIN

    @property
    def line_height(self) -> int:
        return LINE_HEIGHT


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    value_heading: str  # the table's column heading for the values
    bars: list[Bar]
    height: int
    width: int = VIEW_WIDTH


def wrap_label(label: str) -> tuple[str, ...]:
    """The label on lines of at most ``LABEL_LINE_CHARACTERS`` (a word longer than a line is broken)."""
    return tuple(textwrap.wrap(label, LABEL_LINE_CHARACTERS, break_on_hyphens=False)) or ("",)


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
    top = 0
    for label, value, display in rows:
        lines = wrap_label(label)
        width = max(round(BAR_MAX_WIDTH * value / largest, 1), 1.0 if value else 0.0)
        fits_after = width + VALUE_MARGIN + value_width(display) <= VIEW_WIDTH
        label_height = len(lines) * LINE_HEIGHT + 2
        bars.append(
            Bar(
                label=label,
                label_lines=lines,
                value=value,
                display=display,
                label_y=top + LINE_HEIGHT - 4,
                bar_y=top + label_height,
                width=width,
                value_inside=not fits_after,
            )
        )
        top += label_height + BAR_HEIGHT + GAP
    return BarChart(chart_id=chart_id, title=title, value_heading=value_heading, bars=bars, height=max(top, 40))
