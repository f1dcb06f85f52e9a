"""Inline SVG drawn on the server: no JavaScript, no external resources, readable by screen readers."""
from datetime import date, datetime, timedelta
from html import escape

from markupsafe import Markup

from okrapp.core.formatting import day, day_month, number, percent
from okrapp.core.timeutil import to_local

INK, ACCENT, MUTED, TARGET, FORECAST = "#1d2330", "#1f5fbf", "#5b6475", "#1d7a3e", "#a45d00"


def sparkline(scores: list[float], width: int = 110, height: int = 28, label: str = "Score trend") -> Markup:
    """Weekly scores (0..1) as a line; the last week as a dot."""
    if len(scores) < 2:
        return Markup(f'<span class="muted" title="{escape(label)}">–</span>')
    step = (width - 6) / (len(scores) - 1)
    points = [(3 + i * step, height - 3 - max(0.0, min(1.0, s)) * (height - 6)) for i, s in enumerate(scores)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    text = f"{label}: {percent(scores[0])} to {percent(scores[-1])} over {len(scores)} weeks"
    last_x, last_y = points[-1]
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(text)}"><title>{escape(text)}</title>'
        f'<polyline fill="none" stroke="{ACCENT}" stroke-width="2" points="{path}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{INK}"/></svg>')


def history_chart(check_ins: list[tuple[datetime, float, int]], *, starts_on: date, ends_on: date, baseline: float,
                  target: float, forecast: float | None, unit: str = "", width: int = 680, height: int = 260,
                  target_changes: list[tuple[datetime, float, float]] = ()) -> Markup:
    """Check-in values over the cycle, with the target line (earlier targets faded up to the day
    they changed), the linear pace from baseline to target, the forecast to the cycle end, and each
    point's confidence in its tooltip. Moments come as stored (naive UTC) and are drawn and written on
    the organisation's days, like every other date on the page."""
    check_ins = [(to_local(at).replace(tzinfo=None), value, confidence) for at, value, confidence in check_ins]
    target_changes = [(to_local(at).replace(tzinfo=None), old, new) for at, old, new in target_changes]
    left, right, top, bottom = 54, 12, 14, 30
    values = [v for _, v, _ in check_ins] + [baseline, target] + ([forecast] if forecast is not None else [])
    values += [old for _, old, _ in target_changes]
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1
    low, high = low - pad, high + pad
    span_days = max(1, (ends_on - starts_on).days + 1)

    def x(moment) -> float:
        day = moment.date() if isinstance(moment, datetime) else moment
        offset = (day - starts_on).days + (moment.hour / 24 if isinstance(moment, datetime) else 0)
        return left + (width - left - right) * max(0.0, min(1.0, offset / span_days))

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / (high - low))

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="Check-in history from {number(baseline)} towards {number(target)}{(" " + escape(unit)) if unit else ""}">']
    for tick in (low + pad, (low + high) / 2, high - pad):
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">{number(tick)}</text>')
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eef1f6"/>')
    end = ends_on + timedelta(days=1)
    since = starts_on
    for at, old, new in target_changes:  # each earlier target, faded, until the day it changed
        parts.append(f'<line x1="{x(since):.1f}" x2="{x(at):.1f}" y1="{y(old):.1f}" y2="{y(old):.1f}" stroke="{MUTED}" '
                     f'stroke-dasharray="6 4" stroke-width="1.5" class="old-target"><title>Target {number(old)} until '
                     f'{day(at)}, then {number(new)}</title></line>')
        since = at
    parts.append(f'<line x1="{x(since):.1f}" x2="{width - right}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="{TARGET}" '
                 f'stroke-dasharray="6 4" stroke-width="1.5"><title>Target {number(target)}</title></line>')
    parts.append(f'<text x="{width - right}" y="{y(target) - 4:.1f}" font-size="11" text-anchor="end" fill="{TARGET}">target {number(target)}</text>')
    parts.append(f'<line x1="{x(starts_on):.1f}" y1="{y(baseline):.1f}" x2="{x(end):.1f}" y2="{y(target):.1f}" '
                 f'stroke="{MUTED}" stroke-dasharray="2 3"><title>Linear pace</title></line>')
    if check_ins:
        path = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v, _ in check_ins)
        parts.append(f'<polyline fill="none" stroke="{ACCENT}" stroke-width="2" points="{path}"/>')
        for at, value, confidence in check_ins:
            radius = 2 + confidence / 3
            parts.append(f'<circle cx="{x(at):.1f}" cy="{y(value):.1f}" r="{radius:.1f}" fill="{ACCENT}" fill-opacity="0.7">'
                         f'<title>{day(at)}: {number(value)}, confidence {confidence}/10</title></circle>')
        if forecast is not None:
            last_at, last_value, _ = check_ins[-1]
            parts.append(f'<line x1="{x(last_at):.1f}" y1="{y(last_value):.1f}" x2="{x(end):.1f}" y2="{y(forecast):.1f}" '
                         f'stroke="{FORECAST}" stroke-dasharray="5 3" stroke-width="1.5"><title>Forecast {number(forecast)} at cycle end</title></line>')
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="11" fill="{MUTED}">{day_month(starts_on)}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 8}" font-size="11" text-anchor="end" fill="{MUTED}">{day_month(ends_on)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
