"""What any input must be before it reaches a service or the database, in one place.

Every form derives from SafeForm, which adds these checks to each field by its type, so a new
form field is covered without anyone remembering to: numbers finite and of a sane size, whole
numbers within a database integer, dates within DATE_RANGE, text free of NUL and control
characters (single-line fields also free of CR/LF). Query parameters, path ids and redirect
targets go through the helpers below; guard_request() refuses NUL anywhere in a request, and API
bodies too large or nested too deep before any parser (whose recursion would fail) reads them.
"""
import math
import re
from datetime import date

from flask import abort, current_app, jsonify, request
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import (DateField, DateTimeField, DecimalField, FloatField, IntegerField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import StopValidation

from okrapp.core.words import N_, _

NUMBER_LIMIT = 1e15  # beyond any KPI we measure; floats stay exact to the cent below it
INT_LIMIT = 2**31 - 1  # what every database's INTEGER holds
DATE_RANGE = (date(2000, 1, 1), date(2100, 12, 31))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not \t \n \r
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")

# the messages, translated where they are given (the *_problem functions)
NOT_FINITE = N_("Enter a number between −1e15 and 1e15.")
NOT_WHOLE = N_("Enter a whole number between −%(limit)s and %(limit)s.")
OUT_OF_DATES = N_("Enter a date between 2000-01-01 and 2100-12-31.")
CONTROL_CHARACTERS = N_("Remove the control characters from this text.")
LINE_BREAKS = N_("Keep this on one line.")


def finite_problem(value) -> str | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return _(NOT_FINITE)
    return None if math.isfinite(number) and abs(number) <= NUMBER_LIMIT else _(NOT_FINITE)


def whole_problem(value) -> str | None:
    return None if value is None or -INT_LIMIT <= value <= INT_LIMIT else _(NOT_WHOLE, limit=INT_LIMIT)


def date_problem(value) -> str | None:
    if value is None:
        return None
    day = value.date() if hasattr(value, "date") else value
    return None if DATE_RANGE[0] <= day <= DATE_RANGE[1] else _(OUT_OF_DATES)


def text_problem(value, single_line: bool) -> str | None:
    if not isinstance(value, str):
        return None
    if _CONTROL.search(value):
        return _(CONTROL_CHARACTERS)
    if single_line and _LINE_BREAK.search(value):
        return _(LINE_BREAKS)
    return None


def problem_of(field) -> str | None:
    """The shared rule for field's type (subclasses first: TextAreaField is a StringField)."""
    data = field.data
    if isinstance(field, (FloatField, DecimalField)):
        return finite_problem(data)
    if isinstance(field, IntegerField):
        return whole_problem(data)
    if isinstance(field, TimeField):
        return None  # a time of day parses into its own bounded range
    if isinstance(field, (DateField, DateTimeField)):
        return date_problem(data)
    if isinstance(field, TextAreaField):
        return text_problem(data, single_line=False)
    if isinstance(field, StringField):  # includes hidden, email and password fields
        return text_problem(data, single_line=True)
    return None


def _shared_check(form, field):
    message = problem_of(field)
    if message:
        raise StopValidation(message)


class SafeForm(FlaskForm):
    """The base of every form in the app: the field's own validators, then the shared rules."""

    def validate(self, extra_validators=None):
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name in self._fields:
            extra.setdefault(name, []).append(_shared_check)
        return super().validate(extra_validators=extra)


def bounded_int(raw, low: int = 0, high: int = INT_LIMIT) -> int | None:
    """A query or form value as an id or count: None when absent, garbled or out of range."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not re.fullmatch(r"[+-]?\d{1,12}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


class BoundedIntegerConverter(IntegerConverter):
    """<int:id> in every route: an id beyond a database integer answers 404 (not a 500 from the
    database driver). It is refused with NotFound rather than as no match: where one address takes
    two methods in two rules (GET and PATCH /api/v1/objectives/<id>), no match in the second rule
    would read as 405, the first rule having matched the address for another method."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=INT_LIMIT if max is None else max, signed=signed)

    def to_python(self, value: str):
        if len(value) > 12:  # no integer a database holds; int() of thousands of digits is refused anyway
            raise NotFound()
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


# A string to its closing quote, or to the end when unterminated; possessive, so never backtracking:
# one linear pass whatever the body holds.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
JSON_TOO_DEEP = N_("The JSON body nests arrays or objects more than %(limit)s levels deep.")
JSON_TOO_LARGE = N_("The JSON body is too large (at most %(limit)s bytes).")


def json_too_deep(body: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects deeper than limit, in one pass without recursion:
    strings removed (brackets inside them do not count), then the brackets counted. Text that is not
    JSON may be judged too deep; the parser would have refused it anyway."""
    depth = 0
    for byte in _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            return True
    return False


def _api_body_problem():
    """A 413 or 400 in the API's error shape for a body no view should parse, else None."""
    config = current_app.config
    size_limit = config.get("OKRAPP_API_MAX_JSON_BYTES", 1024 * 1024)
    if request.content_length is not None and request.content_length > size_limit:
        return jsonify(error=_(JSON_TOO_LARGE, limit=size_limit)), 413
    if not request.is_json:
        return None
    body = request.get_data(cache=True)  # kept for the view's get_json
    if len(body) > size_limit:  # sent without a length (chunked)
        return jsonify(error=_(JSON_TOO_LARGE, limit=size_limit)), 413
    depth_limit = config.get("OKRAPP_API_MAX_JSON_DEPTH", 32)
    if json_too_deep(body, depth_limit):
        return jsonify(error=_(JSON_TOO_DEEP, limit=depth_limit)), 400
    return None


def guard_request():
    """NUL can be stored by nothing and breaks PostgreSQL text: refused in any query or form value.
    The JSON API validates its own parameters and answers in its documented error shape; its bodies
    are bounded in size and depth here."""
    if request.path.startswith("/api/"):
        return _api_body_problem()
    for source in (request.args, request.form):
        for values in source.listvalues():
            if any("\x00" in value for value in values):
                abort(400)


class Checked:
    """A form validator from a domain check that raises ValueError: the form then says every
    wrong setting at once, in the domain's own words, instead of the service stopping at the first."""

    def __init__(self, check):
        self.check = check

    def __call__(self, form, field):
        if field.data:
            try:
                self.check(field.data)
            except ValueError as error:
                message = str(error)
                raise StopValidation(message[:1].upper() + message[1:] + ".") from None
