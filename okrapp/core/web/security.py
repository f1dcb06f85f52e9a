"""What every response and session gets, whatever the view: security headers, session lifetimes,
a request size limit. One small module instead of a dependency: the rules are few and ours."""
import calendar
import logging

from flask import flash, jsonify, render_template, request, session
from flask_login import current_user, logout_user, user_logged_in

from okrapp.core.formatting import file_size
from okrapp.core.timeutil import utcnow
from okrapp.core.words import N_, _

# No inline script or style anywhere (templates use okrapp/static/style.css); mail HTML, which
# needs inline styles, is served by its own routes with a policy of its own (board/views.py).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"
SESSION_EXPIRED = N_("Your session has expired. Please log in again.")
TOO_LARGE = N_("The request is too large (at most %(limit)s).")
UNDECLARED_PROXY = ("A request came with X-Forwarded-For but OKRAPP_PROXY_HOPS is 0: if okrapp runs behind a "
                    "reverse proxy, every client shares its address and one client's failed logins or tokens "
                    "throttle all. Set OKRAPP_PROXY_HOPS to the number of proxies (1 behind nginx).")
log = logging.getLogger("okrapp.security")


def init_app(app) -> None:
    hops = app.config.get("OKRAPP_PROXY_HOPS") or 0
    if hops:  # behind N reverse proxies: the client's address (login throttling) and scheme (HSTS) come from them
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    elif app.config.get("OKRAPP_PRODUCTION"):
        app.before_request(_warn_of_an_undeclared_proxy)
    app.after_request(_security_headers)
    app.before_request(_enforce_session_lifetimes)
    user_logged_in.connect(_start_session, app)
    app.register_error_handler(413, _too_large)


def _warn_of_an_undeclared_proxy():
    from flask import current_app
    if "X-Forwarded-For" in request.headers and not current_app.extensions.get("okrapp_proxy_warned"):
        current_app.extensions["okrapp_proxy_warned"] = True  # once per process: it is a setting, not an event
        log.warning(UNDECLARED_PROXY)


def _security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # a route may set a stricter or its own policy
    if request.is_secure or _https(response):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if current_user and current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")  # no private page from the back button after logout
    return response


def _https(_response) -> bool:
    from flask import current_app
    return bool(current_app.config.get("SESSION_COOKIE_SECURE"))


def _now() -> int:
    return calendar.timegm(utcnow().timetuple())


def _start_session(app, user, **_):
    session.permanent = True  # the cookie itself expires with the absolute lifetime
    session["since"] = session["seen"] = _now()


def _enforce_session_lifetimes():
    """Idle: no request for OKRAPP_SESSION_IDLE_MINUTES. Absolute: OKRAPP_SESSION_MAX_HOURS after
    the login, however busy. Either ends the session as a logout would (the cookie stays useless)."""
    if request.endpoint == "static" or "_user_id" not in session:
        return
    from flask import current_app
    config, now = current_app.config, _now()
    since, seen = session.get("since", 0), session.get("seen", 0)
    if now - seen > config["OKRAPP_SESSION_IDLE_MINUTES"] * 60 or now - since > config["OKRAPP_SESSION_MAX_HOURS"] * 3600:
        logout_user()
        session.clear()
        flash(_(SESSION_EXPIRED))
        return
    if now - seen >= 60:  # refresh at most once a minute: fewer cookie rewrites
        session["seen"] = now


def _too_large(error):
    from flask import current_app
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or current_app.config.get("MAX_FORM_MEMORY_SIZE") or 0
    message = _(TOO_LARGE, limit=file_size(limit))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), 413
    return render_template("errors/error.html", code=413, title=_("Too large"), text=message), 413
