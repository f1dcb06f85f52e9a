"""Bearer-token authentication for the API, and its JSON errors.

The API never reads the session cookie: a browser's cookies cannot act through it, so its write
views need no CSRF token (they are exempt from Flask-WTF's check for that reason alone)."""
from functools import wraps

from flask import g, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from okrapp.accounts import throttle
from okrapp.accounts import tokens as api_tokens
from okrapp.core import i18n, words
from okrapp.core.timeutil import utcnow
from okrapp.core.words import _, _l

MESSAGES = {  # the "error" a caller reads, in the language the request asks for (Accept-Language)
    400: _l("The request could not be understood."),
    401: _l("Send a personal API token: Authorization: Bearer okr_…"),
    403: _l("Your role does not allow this."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept that method."),
    409: _l("The record was changed meanwhile."),
    412: _l("The record was changed since you read it; read it again and send its ETag in If-Match."),
    413: _l("The request is too large."),
    422: _l("The request is not valid."),
    428: _l("Send the ETag you read in If-Match, so that a change made meanwhile is not overwritten."),
    429: _l("Too many failed attempts with this token or from your address; wait a few minutes."),
}
ERROR = _l("Error.")


class ApiError(HTTPException):
    """An error with a message for the caller, rendered as {"error": ..., "details": [...]}."""

    def __init__(self, code: int, message: str | None = None, details: list[str] | None = None, headers=None,
                 extra: dict | None = None):
        message = str(message or MESSAGES.get(code, ERROR))
        super().__init__(message)
        self.code, self.message, self.details, self.extra_headers = code, message, details, headers
        self.extra = extra

    def get_response(self, environ=None, scope=None):
        return json_error(self.code, self.message, self.details, self.extra_headers, self.extra)


def json_error(code: int, message: str | None = None, details=None, headers=None, extra=None):
    """extra: fields a program reads besides the message (missing_scope, current_version)."""
    body = {"error": str(message or MESSAGES.get(code, ERROR)), **(extra or {})}
    if details:
        body["details"] = details
    response = make_response(jsonify(body), code)
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="okrapp"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def api_user():
    return g.api_user


def token_required(decision=None, scope: str = "read"):
    """The caller's token must be valid (else 401), hold scope (else 403 naming it) and, when given,
    decision(user) must hold (else 403): the same policy functions as the pages. The token is checked first, so a valid one always
    answers; failed attempts are counted per token and per client address, and once either has too
    many, that caller's further *failed* attempts answer 429 (accounts/throttle.py)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            record = _caller()
            g.api_user, g.api_token = record.user, record
            _speak_as(record.user)
            if scope not in record.scope_list:
                raise ApiError(403, _("This token lacks the “%(scope)s” scope; make a token with it on your "
                                      "profile page.", scope=scope), extra={"missing_scope": scope})
            if decision is not None and not decision(g.api_user):
                raise ApiError(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def _speak_as(user) -> None:
    """A program that names no language (Accept-Language) reads the token owner's, as their pages do;
    the request's teardown restores the context's language (core/i18n.py)."""
    if not request.headers.get("Accept-Language") and i18n.known(user.locale):
        words.set_current(user.locale)


def _caller():
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else None
    record = api_tokens.token_record(token, request.remote_addr)  # a failure is recorded in auth_events
    if record is not None:
        return record
    verdict = throttle.count_token_failure(throttle.token_buckets(token, request.remote_addr), utcnow(),
                                           api_tokens.FAILURE_WINDOW)
    if not verdict.allowed:
        raise ApiError(429, headers={"Retry-After": str(verdict.retry_after)})
    raise ApiError(401, _("The token is missing, unknown, expired or revoked.") if header else None)
