"""Reading numbers the way people write them: one function for forms, imports and the API.

People type `3 475 000,5` (Finnish: space or no-break space between thousands, decimal comma),
`3,475,000.5` (English), `40 %` or `0,4` for a share, `−2` with a typographic minus. Browsers send
what was typed when the field is plain text, so the server decides, here, once.

Rules, in order:
- spaces of any kind (space, no-break, narrow no-break, thin) and apostrophes group thousands;
- with both "," and "." the one that comes last is the decimal mark, the other groups thousands;
- a single "," is a decimal comma, unless `comma_may_group` is set (a comma-separated file where
  English thousands are common) and exactly three digits follow it: then it is ambiguous and refused;
- several "," (or several ".") group thousands: each group after the first must have three digits;
- a trailing "%" divides by 100 where percentages are allowed.
The result is finite and at most LIMIT in size: nothing downstream has to think about NaN or 1e308."""
import math
import re

from okrapp.core.words import _

LIMIT = 1e15
_LIMIT_TEXT = f"{LIMIT:.0e}"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']")
_GROUPED = re.compile(r"\d{1,3}(?:[ ]\d{3})+|\d+")
_PLAIN = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?")


class NumberError(ValueError):
    """The text is not a number we can read; the message says why, for the person who wrote it."""


def parse_number(text, *, percent: bool = False, comma_may_group: bool = False) -> float:
    """The number text stands for, or NumberError with a readable message."""
    if isinstance(text, bool):
        raise NumberError(_("Enter a number."))
    if isinstance(text, (int, float)):
        return _bounded(float(text), str(text))
    original = str(text).strip()
    if not original:
        raise NumberError(_("Enter a number."))
    if len(original) > 64:
        raise NumberError(_("That is too long for a number."))
    value = original.replace("\u2212", "-").replace("\u2013", "-")
    scale = 1.0
    if percent and value.endswith("%"):
        value, scale = value[:-1].strip(), 0.01
    sign = ""
    if value[:1] in "+-":
        sign, value = value[0], value[1:].strip()
    value = _without_grouping_spaces(value, original)
    value = _with_decimal_point(value, original, comma_may_group)
    if not _PLAIN.fullmatch(sign + value):
        raise NumberError(_("“%(text)s” is not a number; write it like 1234,5 or 1 234.5.", text=original))
    return _bounded(float(sign + value) * scale, original)


def _without_grouping_spaces(value: str, original: str) -> str:
    if not _SPACES.search(value):
        return value
    normalised = _SPACES.sub(" ", value)
    whole, mark, fraction = _split_last_mark(normalised)
    if not _GROUPED.fullmatch(whole) or " " in fraction:
        raise NumberError(_("“%(text)s” is not a number: spaces may only separate thousands (1 234 567,5).",
                              text=original))
    return whole.replace(" ", "") + mark + fraction


def _split_last_mark(value: str) -> tuple[str, str, str]:
    position = max(value.rfind(","), value.rfind("."))
    if position < 0 or ("," in value[:position] or "." in value[:position]):
        return value, "", ""
    return value[:position], value[position], value[position + 1:]


def _with_decimal_point(value: str, original: str, comma_may_group: bool) -> str:
    commas, dots = value.count(","), value.count(".")
    if commas and dots:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        whole, fraction = value.rsplit(decimal, 1)
        if decimal in whole:
            raise NumberError(_("“%(text)s” has more than one decimal mark.", text=original))
        return _ungrouped(whole, grouping, original) + "." + fraction
    if commas > 1:
        return _ungrouped(value, ",", original)
    if dots > 1:
        return _ungrouped(value, ".", original)
    if commas == 1:
        whole, fraction = value.split(",")
        if comma_may_group and len(fraction) == 3 and whole.strip("0") and len(whole) <= 3:
            raise NumberError(_("“%(text)s” is ambiguous: is the comma a decimal mark or a thousands separator? "
                                "Write it without the comma, or with a decimal point.", text=original))
        return whole + "." + fraction
    return value


def _ungrouped(value: str, grouping: str, original: str) -> str:
    groups = value.split(grouping)
    if not (1 <= len(groups[0]) <= 3 and groups[0].isdigit()) or any(
            len(g) != 3 or not g.isdigit() for g in groups[1:]):
        raise NumberError(_("“%(text)s” is not a number: “%(mark)s” may only separate thousands here.", text=original,
                              mark=grouping))
    return "".join(groups)


def _bounded(number: float, original: str) -> float:
    if not math.isfinite(number):
        raise NumberError(_("“%(text)s” is not a finite number.", text=original))
    if abs(number) > LIMIT:
        raise NumberError(_("“%(text)s” is too large (at most %(limit)s in size).", text=original, limit=_LIMIT_TEXT))
    return number + 0.0  # -0.0 reads oddly in a page
