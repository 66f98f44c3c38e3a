"""Where to draw each cluster on the map: one circle per cluster, near the mean position of its
contributions, none on top of another.

The 2-D positions of contributions put similar clusters close, so circles drawn at their centres
overlapped (4 of 6 on the demo data). A few rounds of pairwise pushes (deterministic: same input,
same picture) move overlapping circles apart along the line joining them; if the map is too crowded
for that, every circle shrinks a little and the pushes start again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GAP = 6.0  # pixels kept between two circles
FILL_SHARE = 0.30  # share of the map covered by circles before any shrinking
MIN_RADIUS = 14.0
MAX_ROUNDS = 300
SHRINK = 0.9


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float


def _radii(sizes: list[int], side: float) -> list[float]:
    total = sum(sizes) or 1
    scale = math.sqrt(FILL_SHARE * side * side / (math.pi * total))
    return [min(side / 4, max(MIN_RADIUS, scale * math.sqrt(size))) for size in sizes]


def _overlaps(xs: list[float], ys: list[float], radii: list[float]) -> bool:
    return any(
        math.hypot(xs[i] - xs[j], ys[i] - ys[j]) < radii[i] + radii[j] + GAP - 1e-6
        for i in range(len(radii))
        for j in range(i + 1, len(radii))
    )


def _relax(xs: list[float], ys: list[float], radii: list[float], side: float) -> bool:
    """Push overlapping pairs apart in place; True once no two circles overlap."""
    n = len(radii)
    for _ in range(MAX_ROUNDS):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                dx, dy = xs[j] - xs[i], ys[j] - ys[i]
                distance = math.hypot(dx, dy)
                wanted = radii[i] + radii[j] + GAP
                if distance >= wanted:
                    continue
                if distance < 1e-9:  # same place: a fixed direction per pair, never random
                    angle = 2 * math.pi * ((i * 7 + j * 13) % 36) / 36
                    dx, dy, distance = math.cos(angle), math.sin(angle), 1.0
                push = (wanted - distance) / 2 + 0.01
                xs[i] -= dx / distance * push
                ys[i] -= dy / distance * push
                xs[j] += dx / distance * push
                ys[j] += dy / distance * push
                moved = True
        for k in range(n):  # stay on the map
            xs[k] = min(max(xs[k], radii[k]), side - radii[k])
            ys[k] = min(max(ys[k], radii[k]), side - radii[k])
        if not moved and not _overlaps(xs, ys, radii):
            return True
    return not _overlaps(xs, ys, radii)


def layout(centres: list[tuple[float, float]], sizes: list[int], side: float) -> list[Circle]:
    """Circles of area proportional to ``sizes``, near ``centres`` (in [0, 1]), inside a ``side`` square,
    no two overlapping."""
    radii = _radii(sizes, side)
    while True:
        xs = [radius + x * (side - 2 * radius) for (x, _), radius in zip(centres, radii, strict=True)]
        ys = [radius + y * (side - 2 * radius) for (_, y), radius in zip(centres, radii, strict=True)]
        if _relax(xs, ys, radii, side) or max(radii, default=0) < 1:
            return [Circle(round(x, 1), round(y, 1), round(r, 1)) for x, y, r in zip(xs, ys, radii, strict=True)]
        radii = [radius * SHRINK for radius in radii]
