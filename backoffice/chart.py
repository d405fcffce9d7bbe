"""Geometry of the dashboard's day chart, drawn server-side as inline SVG (no script, no CDN).

Each day is a pair of bars (accepted, refused). In right-to-left languages time runs from right to
left, as the page's text does: the oldest day sits at the right edge.
"""

from dataclasses import dataclass

from .dashboard import DayFigures

WIDTH = 760
HEIGHT = 240
MARGIN_START = 40  # room for the vertical axis's numbers
MARGIN_END = 10
MARGIN_TOP = 10
MARGIN_BOTTOM = 28  # room for the dates
GRID_LINES = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class DayColumn:
    day: DayFigures
    accepted: Bar
    refused: Bar
    label_x: float
    show_label: bool


@dataclass(frozen=True)
class GridLine:
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_width: float
    columns: list[DayColumn]
    grid: list[GridLine]
    axis_x: float  # where the vertical axis's numbers are anchored
    axis_anchor: str  # SVG text-anchor of those numbers: they face the plot
    baseline: float
    plot_start: float
    plot_end: float


def nice_max(value: int) -> int:
    """The smallest 'round' top for the axis at or above `value`: GRID_LINES steps of 1, 2, 5, 10, 20..."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if step * GRID_LINES >= value:
                return step * GRID_LINES
        magnitude *= 10


def day_chart(days: list[DayFigures], *, rtl: bool = False) -> Chart:
    top = nice_max(max((max(d.accepted, d.refused) for d in days), default=0))
    plot_width = WIDTH - MARGIN_START - MARGIN_END
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = MARGIN_TOP + plot_height
    slot = plot_width / max(len(days), 1)
    bar_width = slot * 0.38
    label_every = max(1, len(days) // 10)

    def bar(x: float, value: int) -> Bar:
        height = plot_height * value / top
        return Bar(round(x, 2), round(baseline - height, 2), round(height, 2))

    columns = []
    for index, day in enumerate(days):
        position = len(days) - 1 - index if rtl else index
        # In RTL the plot is mirrored: the axis is on the right, so the plot starts at MARGIN_END.
        slot_start = (MARGIN_END if rtl else MARGIN_START) + position * slot
        first, second = slot_start + slot * 0.1, slot_start + slot * 0.1 + bar_width
        accepted_x, refused_x = (second, first) if rtl else (first, second)
        columns.append(
            DayColumn(
                day=day,
                accepted=bar(accepted_x, day.accepted),
                refused=bar(refused_x, day.refused),
                label_x=round(slot_start + slot / 2, 2),
                show_label=(len(days) - 1 - index) % label_every == 0,  # today always labelled
            )
        )
    grid = [
        GridLine(round(baseline - plot_height * step / GRID_LINES, 2), top * step // GRID_LINES)
        for step in range(GRID_LINES + 1)
    ]
    plot_start, plot_end = (MARGIN_END, WIDTH - MARGIN_START) if rtl else (MARGIN_START, WIDTH - MARGIN_END)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bar_width=round(bar_width, 2),
        columns=columns,
        grid=grid,
        axis_x=WIDTH - MARGIN_START + 6 if rtl else MARGIN_START - 6,
        axis_anchor="start" if rtl else "end",
        baseline=baseline,
        plot_start=plot_start,
        plot_end=plot_end,
    )
