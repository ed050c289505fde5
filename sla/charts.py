"""Bar charts as accessible SVG, drawn on the server: a chart is never the only way to read.

Each chart carries ``role="img"`` with a title and a description, and the page shows
the same figures in a table beside it. No script, so the PDF shows it too.
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
HEIGHT = 240
LEFT = 40
BOTTOM = 40
TOP = 12


@dataclass(frozen=True)
class Series:
    """One row of bars: its name, a value per category (None: nothing to show), a CSS class."""

    name: str
    values: list[float | None]
    css_class: str


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    categories: list[str],
    series: list[Series],
    maximum: float | None = None,
    unit: str = "",
) -> SafeString:
    """Return an SVG of grouped vertical bars, one group per category, one bar per series.

    ``maximum`` fixes the top of the scale (100 for percentages); by default it is the
    largest value. The legend names the series in words, not by colour alone.
    """
    values = [v for s in series for v in s.values if v is not None]
    top = maximum or max(values, default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    bars, labels, grid = [], [], []
    for step in (0, 0.5, 1):
        y = TOP + plot_h * (1 - step)
        grid.append(
            (
                LEFT,
                f"{y:.1f}",
                WIDTH - 8,
                f"{y:.1f}",
                LEFT - 4,
                f"{y + 4:.1f}",
                _number(top * step) + unit,
            )
        )
    for i, category in enumerate(categories):
        x0 = LEFT + i * group_w + group_w * 0.1
        labels.append((f"{x0 + group_w * 0.4:.1f}", HEIGHT - BOTTOM + 14, category))
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            h = plot_h * value / top
            bars.append(
                (
                    s.css_class,
                    f"{x0 + j * bar_w:.1f}",
                    f"{TOP + plot_h - h:.1f}",
                    f"{bar_w:.1f}",
                    f"{h:.1f}",
                    f"{s.name}, {category}: {_number(value)}{unit}",
                )
            )
    legend = format_html_join(
        "",
        '<rect class="{}" x="{}" y="{}" width="10" height="10"/><text x="{}" y="{}">{}</text>',
        (
            (s.css_class, LEFT + k * 160, HEIGHT - 14, LEFT + k * 160 + 14, HEIGHT - 5, s.name)
            for k, s in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>{}{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        desc,
        format_html_join(
            "",
            '<line class="chart__grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="chart__tick" x="{}" y="{}" text-anchor="end">{}</text>',
            grid,
        ),
        format_html_join(
            "",
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            bars,
        ),
        format_html_join(
            "", '<text class="chart__label" x="{}" y="{}" text-anchor="middle">{}</text>', labels
        ),
        legend,
    )


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
