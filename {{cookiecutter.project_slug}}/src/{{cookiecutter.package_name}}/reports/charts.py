"""The chart of a run, as an SVG drawing written into the page: bars for the items created per day,
a line for the trend. Hand-written rather than a plotting library: a bar chart is a few rectangles,
the image stays as small as the app's (no numpy, matplotlib, fonts), and every base image, Alpine
too, runs it. Text uses the browser's own sans-serif font: nothing is fetched from elsewhere.
"""

from html import escape

from .analysis import Report

WIDTH, HEIGHT = 800, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
BAR_COLOUR, TREND_COLOUR, GRID_COLOUR = "#2f6fb3", "#d9480f", "#dddddd"


def nice_maximum(value: float) -> int:
    """The top of the y axis: 1, 2 or 5 times a power of ten, at least value (and at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def items_per_day_svg(report: Report) -> str:
    n = len(report.days)
    top = nice_maximum(max([*report.created, report.trend.at(0), report.trend.at(n - 1), 1]))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(n, 1)

    def y(value: float) -> float:
        return TOP + plot_height * (1 - max(value, 0) / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" font-family="sans-serif" font-size="12">',
        "<title>Items created per day, with the trend</title>",
    ]
    for tick in range(5):  # horizontal grid lines and their values
        value = top * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID_COLOUR}"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    for i, (day, count) in enumerate(zip(report.days, report.created, strict=True)):
        x = LEFT + i * slot
        parts.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{y(count):.1f}" width="{slot * 0.8:.1f}" '
            f'height="{TOP + plot_height - y(count):.1f}" fill="{BAR_COLOUR}">'
            f"<title>{day.isoformat()}: {count}</title></rect>"
        )
        if i % 5 == 0 or i == n - 1:  # a date under every fifth bar, and the last one
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(day.strftime('%m-%d'))}</text>"
            )
    if n:
        x1, x2 = LEFT + slot / 2, LEFT + (n - 0.5) * slot
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y(report.trend.at(0)):.1f}" x2="{x2:.1f}" '
            f'y2="{y(report.trend.at(n - 1)):.1f}" stroke="{TREND_COLOUR}" stroke-width="3"/>'
        )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 8}">bars: items created (UTC days) · '
        f'<tspan fill="{TREND_COLOUR}">line: trend, {report.trend.slope:+.2f} a day</tspan></text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
