"""Geometry of small server-rendered SVG bar charts (no JavaScript, no inline
style: the templates write plain SVG elements with presentation attributes).
Pure functions: numbers in, coordinates out."""

from dataclasses import dataclass

# Fill per kind; every bar also carries its numbers as text, so the chart
# never relies on colour alone.
FILLS = {
    "agree": "#1b7837",
    "disagree": "#b2182b",
    "pass": "#9e9e9e",
    # contributions (the kinds of selectors.contributions, as labelled)
    "claims": "#1f77b4",
    "annotations": "#66a61e",
    "evidence links": "#d95f02",
    "comments": "#7570b3",
}

LABEL_WIDTH = 150
BAR_WIDTH = 300
ROW_HEIGHT = 26
BAR_HEIGHT = 16
NOTE_GAP = 8
NOTE_WIDTH = 250


@dataclass
class Segment:
    kind: str
    value: int
    x: float
    width: float
    fill: str


@dataclass
class Row:
    label: str
    y: float
    text_y: float
    segments: list[Segment]
    note: str
    note_x: float


@dataclass
class Chart:
    width: int
    height: int
    rows: list[Row]
    legend: list[tuple[str, str]]
    label_width: int = LABEL_WIDTH


def stacked_bars(
    rows: list[tuple[str, list[tuple[str, int]]]], *, scale_to: int | None = None
) -> Chart:
    """One horizontal stacked bar per (label, [(kind, value), ...]). Each bar
    fills the width (shares) unless ``scale_to`` gives a common maximum
    (counts), and is followed by its numbers as text."""
    kinds: list[str] = []
    out = []
    for i, (label, parts) in enumerate(rows):
        total = sum(v for _, v in parts)
        whole = scale_to if scale_to else total
        x, segments = float(LABEL_WIDTH), []
        for kind, value in parts:
            if kind not in kinds:
                kinds.append(kind)
            width = BAR_WIDTH * value / whole if whole else 0.0
            segments.append(
                Segment(
                    kind, value, round(x, 1), round(width, 1), FILLS.get(kind, "#555")
                )
            )
            x += width
        y = i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        out.append(
            Row(
                label=label,
                y=round(y, 1),
                text_y=round(y + BAR_HEIGHT - 3, 1),
                segments=segments,
                note=" · ".join(f"{v} {k}" for k, v in parts),
                note_x=LABEL_WIDTH + BAR_WIDTH + NOTE_GAP,
            )
        )
    return Chart(
        width=LABEL_WIDTH + BAR_WIDTH + NOTE_GAP + NOTE_WIDTH,
        height=max(len(rows), 1) * ROW_HEIGHT,
        rows=out,
        legend=[(k, FILLS.get(k, "#555")) for k in kinds],
    )
