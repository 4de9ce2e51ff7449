"""Inline SVG charts, readable without JavaScript: bars (incidents per country, per attack type), columns
(incidents per day) and ranges (killed per event: a bar from min to max, an open max drawn as an arrow)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

ROW = 18  # px per bar
LABEL = 170  # px for the labels of horizontal bars
WIDTH = 560


def _svg(title: str, width: int, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-size="11" font-family="sans-serif">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"


def bar_chart(title: str, items: Sequence[tuple[str, int]], limit: int = 20) -> Markup:
    """Horizontal bars, largest first (the first `limit`; the rest summed as 'other')."""
    items = sorted(items, key=lambda item: (-item[1], item[0]))
    if len(items) > limit:
        items = [*items[: limit - 1], (f"{len(items) - limit + 1} others", sum(v for _, v in items[limit - 1 :]))]
    top = max((v for _, v in items), default=0) or 1
    span = WIDTH - LABEL - 40
    body = []
    for row, (label, value) in enumerate(items):
        y = row * ROW + 4
        length = max(1.0, span * value / top)
        body.append(
            f'<text x="{LABEL - 6}" y="{y + 12}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect class="bar" x="{LABEL}" y="{y + 2}" width="{length:.1f}" height="{ROW - 5}"><title>'
            f"{escape(label)}: {value}</title></rect>"
            f'<text x="{LABEL + length + 4:.1f}" y="{y + 12}">{value}</text>'
        )
    if not items:
        body.append('<text x="8" y="16">nothing to show</text>')
    return _svg(title, WIDTH, max(1, len(items)) * ROW + 8, body)


def column_chart(title: str, items: Sequence[tuple[str, int]]) -> Markup:
    """Vertical columns in the given order (days); first and last labels and the maximum are written out."""
    height, base = 150, 120
    top = max((v for _, v in items), default=0) or 1
    step = (WIDTH - 40) / max(1, len(items))
    body = [
        f'<line x1="30" y1="{base}" x2="{WIDTH - 6}" y2="{base}" stroke="#999"/>',
        f'<text x="26" y="14" text-anchor="end">{top}</text>',
        f'<text x="26" y="{base}" text-anchor="end">0</text>',
    ]
    for index, (label, value) in enumerate(items):
        tall = (base - 12) * value / top
        x = 32 + index * step
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - tall:.1f}" width="{max(1.0, step - 1):.1f}" height="{tall:.1f}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
    if items:
        body.append(f'<text x="32" y="{base + 14}">{escape(items[0][0])}</text>')
        body.append(f'<text x="{WIDTH - 6}" y="{base + 14}" text-anchor="end">{escape(items[-1][0])}</text>')
    else:
        body.append('<text x="40" y="60">nothing to show</text>')
    return _svg(title, WIDTH, height, body)


def range_chart(title: str, items: Sequence[tuple[str, int, int | None]], limit: int = 30) -> Markup:
    """One row per item: a bar from min to max, an open max drawn on to the axis end with an arrow; largest min
    first. The axis runs to a quarter past the largest stated number, so an open range always shows as one."""
    items = sorted(items, key=lambda item: (-item[1], item[0]))[:limit]
    top = 1.25 * (max((max(lo, hi or lo) for _, lo, hi in items), default=0) or 1)
    span = WIDTH - LABEL - 100  # room for the arrow and the figure

    def x(value: float) -> float:
        return LABEL + span * value / top

    body = []
    for row, (label, low, high) in enumerate(items):
        y = row * ROW + 4
        x0, x1 = x(low), x(top if high is None else high)
        x1 = max(x1, x0 + 3)  # an exact figure is a short tick
        text = f"{low}" if high == low else (f"at least {low}" if high is None else f"{low}\u2013{high}")
        body.append(f'<text x="{LABEL - 6}" y="{y + 12}" text-anchor="end">{escape(_short(label))}</text>')
        body.append(
            f'<line class="range{" open" if high is None else ""}" x1="{x0:.1f}" y1="{y + 8}" x2="{x1:.1f}" '
            f'y2="{y + 8}" stroke-width="6"><title>{escape(label)}: {escape(text)}</title></line>'
        )
        if high is None:
            body.append(f'<path d="M{x1:.1f},{y + 2} L{x1 + 8:.1f},{y + 8} L{x1:.1f},{y + 14} Z" class="arrow"/>')
        body.append(f'<text x="{x1 + (12 if high is None else 4):.1f}" y="{y + 12}">{escape(text)}</text>')
    if not items:
        body.append('<text x="8" y="16">nothing to show</text>')
    return _svg(title, WIDTH, max(1, len(items)) * ROW + 8, body)
