"""Inline SVG drawn on the server: no JavaScript, no external resources, readable by screen readers."""
from datetime import date, datetime, timedelta
from html import escape

from markupsafe import Markup

from okrapp.core.formatting import compact_money, day, day_month, is_money, number, percent
from okrapp.core.timeutil import to_local
from okrapp.core.words import _, ngettext

INK, ACCENT, MUTED, TARGET, FORECAST = "#1d2330", "#1f5fbf", "#5b6475", "#1d7a3e", "#a45d00"


def sparkline(scores: list[float], width: int = 110, height: int = 28, label: str | None = None,
              of: str | None = None) -> Markup:
    """Weekly scores (0..1) as a line; the last week as a dot. of: the objective's title, for the label."""
    label = label or (_("Weekly score of %(title)s", title=of) if of else _("Score trend"))
    if len(scores) < 2:
        return Markup(f'<span class="muted" title="{escape(label)}">–</span>')
    step = (width - 6) / (len(scores) - 1)
    points = [(3 + i * step, height - 3 - max(0.0, min(1.0, s)) * (height - 6)) for i, s in enumerate(scores)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    text = ngettext("%(label)s: %(first)s to %(last)s over %(num)s week", "%(label)s: %(first)s to %(last)s over %(num)s weeks",
                    len(scores), label=label, first=percent(scores[0]), last=percent(scores[-1]))
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
    right, top, bottom = 12, 14, 30
    values = [v for _at, v, _c in check_ins] + [baseline, target] + ([forecast] if forecast is not None else [])
    values += [old for _at, old, _new in target_changes]
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1
    low, high = low - pad, high + pad
    ticks = (low + pad, (low + high) / 2, high - pad)
    labels = _axis_labels(ticks, unit)
    left = max(54, 12 + round(6.5 * max(len(label) for label in labels)))  # room for the axis' longest figure
    span_days = max(1, (ends_on - starts_on).days + 1)

    def x(moment) -> float:
        day = moment.date() if isinstance(moment, datetime) else moment
        offset = (day - starts_on).days + (moment.hour / 24 if isinstance(moment, datetime) else 0)
        return left + (width - left - right) * max(0.0, min(1.0, offset / span_days))

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / (high - low))

    title = _("Check-in history from %(baseline)s towards %(target)s", baseline=number(baseline), target=number(target))
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}{(" " + escape(unit)) if unit else ""}">']
    for tick, label in zip(ticks, labels):
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">{escape(label)}</text>')
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eef1f6"/>')
    end = ends_on + timedelta(days=1)
    since = starts_on
    for at, old, new in target_changes:  # each earlier target, faded, until the day it changed
        text = escape(_("Target %(old)s until %(day)s, then %(new)s", old=number(old), day=day(at), new=number(new)))
        parts.append(f'<line x1="{x(since):.1f}" x2="{x(at):.1f}" y1="{y(old):.1f}" y2="{y(old):.1f}" stroke="{MUTED}" '
                     f'stroke-dasharray="6 4" stroke-width="1.5" class="old-target"><title>{text}</title></line>')
        since = at
    target_title = escape(_("Target %(target)s", target=number(target)))
    target_label = escape(_("target %(target)s", target=number(target)))
    pace = escape(_("Linear pace"))
    parts.append(f'<line x1="{x(since):.1f}" x2="{width - right}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="{TARGET}" '
                 f'stroke-dasharray="6 4" stroke-width="1.5"><title>{target_title}</title></line>')
    parts.append(f'<text x="{width - right}" y="{y(target) - 4:.1f}" font-size="11" text-anchor="end" fill="{TARGET}">{target_label}</text>')
    parts.append(f'<line x1="{x(starts_on):.1f}" y1="{y(baseline):.1f}" x2="{x(end):.1f}" y2="{y(target):.1f}" '
                 f'stroke="{MUTED}" stroke-dasharray="2 3"><title>{pace}</title></line>')
    if check_ins:
        path = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v, _c in check_ins)
        parts.append(f'<polyline fill="none" stroke="{ACCENT}" stroke-width="2" points="{path}"/>')
        for at, value, confidence in check_ins:
            radius = 2 + confidence / 3
            text = escape(_("%(day)s: %(value)s, confidence %(confidence)s/10", day=day(at), value=number(value),
                            confidence=confidence))
            parts.append(f'<circle cx="{x(at):.1f}" cy="{y(value):.1f}" r="{radius:.1f}" fill="{ACCENT}" fill-opacity="0.7">'
                         f'<title>{text}</title></circle>')
        if forecast is not None:
            last_at, last_value, _confidence = check_ins[-1]
            text = escape(_("Forecast %(value)s at cycle end", value=number(forecast)))
            parts.append(f'<line x1="{x(last_at):.1f}" y1="{y(last_value):.1f}" x2="{x(end):.1f}" y2="{y(forecast):.1f}" '
                         f'stroke="{FORECAST}" stroke-dasharray="5 3" stroke-width="1.5"><title>{text}</title></line>')
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="11" fill="{MUTED}">{day_month(starts_on)}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 8}" font-size="11" text-anchor="end" fill="{MUTED}">{day_month(ends_on)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis_labels(ticks, unit: str) -> list[str]:
    """The axis' figures: money compact (1,2 milj. €), unless that would write two ticks alike."""
    if is_money(unit):
        labels = [compact_money(t) for t in ticks]
        if len(set(labels)) == len(labels):
            return labels
    return [number(t) for t in ticks]
