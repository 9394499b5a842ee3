"""Ratings over time as a small line chart, computed here and drawn as SVG by a template.

Hand-written on purpose: the chart is two step lines on a fixed 1–5 scale, which is a few lines
of arithmetic; a charting library would bring JavaScript or a large dependency, and the page and
its PDF must work without JavaScript. Each source keeps its own line: never averaged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from models import RATING_STEPS

WIDTH, HEIGHT = 560, 170
LEFT, RIGHT, TOP, BOTTOM = 34, 12, 10, 26


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # "2026-03-04: 3", the point's title for a reader


@dataclass(frozen=True)
class Line:
    key: str  # the source ("client", "worker"): its style in the stylesheet
    label: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    title: str
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM


def _y(step: int) -> float:
    span = HEIGHT - TOP - BOTTOM
    return TOP + span * (RATING_STEPS - step) / (RATING_STEPS - 1)


def _x(day: date, first: date, last: date) -> float:
    span = WIDTH - LEFT - RIGHT
    days = max((last - first).days, 1)
    return LEFT + span * (day - first).days / days


def rating_chart(
    title: str,
    series: Sequence[tuple[str, str, Iterable[tuple[datetime, int]]]],
    first: date,
    last: date,
) -> Chart:
    """A chart of ``series`` (key, label, (moment, step) in time order) over first..last."""
    lines = []
    for key, label, ratings in series:
        points = [
            Point(_x(at.date(), first, last), _y(step), f"{at.date().isoformat()}: {step}")
            for at, step in ratings
        ]
        lines.append(Line(key, label, points))
    y_ticks = [(_y(step), str(step)) for step in range(1, RATING_STEPS + 1)]
    x_ticks = [(_x(first, first, last), first.isoformat())]
    if last != first:
        x_ticks.append((_x(last, first, last), last.isoformat()))
    return Chart(title, lines, y_ticks, x_ticks)
