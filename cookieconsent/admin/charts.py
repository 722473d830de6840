"""Charts drawn on the server as inline SVG: no script, no CDN, and they print.

Each function returns plain data (shapes with coordinates) that the template renders, so
every label passes through Jinja's escaping.
"""

from __future__ import annotations

from flask_babel import format_decimal, format_percent

WIDTH = 720
HEIGHT = 220
LEFT = 40
BOTTOM = 24
TOP = 8
BAR_ROW = 26


def _nice_max(value: int) -> int:
    """A round top for the axis: 1, 2, 5, 10, 20, 50..."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def stacked_days(days: list[dict], series: tuple[str, ...]) -> dict:
    """Columns per day, stacked by ``series``; with ticks for the y axis."""
    top = _nice_max(max((sum(d[s] for s in series) for d in days), default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1)
    columns = []
    for i, day in enumerate(days):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = TOP + plot_h
        parts = []
        for name in series:
            h = plot_h * day[name] / top
            y -= h
            if day[name]:
                parts.append(
                    {
                        "series": name,
                        "x": round(x, 1),
                        "y": round(y, 1),
                        "w": round(bar_w, 1),
                        "h": round(h, 1),
                        "value": day[name],
                    }
                )
        label = day["day"].strftime("%d.%m") if i % max(1, len(days) // 10) == 0 else None
        columns.append(
            {
                "day": day["day"],
                "parts": parts,
                "label": label,
                "label_x": round(x + bar_w / 2, 1),
                "total": sum(day[s] for s in series),
            }
        )
    ticks = [
        {"value": format_decimal(top * k / 4), "y": round(TOP + plot_h * (1 - k / 4), 1)}
        for k in range(5)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "bottom": HEIGHT - BOTTOM,
        "columns": columns,
        "ticks": ticks,
        "series": series,
    }


def _bars(items: list[tuple[str, float, str, str]]) -> dict:
    label_w, plot_w = 180, WIDTH - 180 - 110
    rows = [
        {
            "label": label,
            "value": value,
            "caption": caption,
            "x": label_w,
            "y": i * BAR_ROW + 4,
            "w": round(plot_w * fraction, 1),
            "full": plot_w,
            "text_y": i * BAR_ROW + 18,
        }
        for i, (label, fraction, value, caption) in enumerate(items)
    ]
    return {
        "width": WIDTH,
        "height": max(len(rows), 1) * BAR_ROW + 8,
        "rows": rows,
        "value_x": label_w + plot_w + 8,
    }


def share_bars(items: list[tuple[str, float, str]]) -> dict:
    """Horizontal bars of shares (0..1): ``(label, share, caption)`` per row."""
    return _bars(
        [(label, share, format_percent(share), caption) for label, share, caption in items]
    )


def count_bars(items: list[tuple[str, int, str]]) -> dict:
    """Horizontal bars of counts, scaled to the largest: ``(label, count, caption)``."""
    top = max((n for _, n, _ in items), default=0) or 1
    return _bars([(label, n / top, format_decimal(n), caption) for label, n, caption in items])
