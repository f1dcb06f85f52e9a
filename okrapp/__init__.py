"""okrapp: shared customer OKRs, incentive conflict detection and frequent priority reviews."""
import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from okrapp.core.extensions import csrf, db, login_manager, migrate
from okrapp.core.words import N_

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CSRF_FAILED = N_("The form has expired or did not come from this site. Reload the page and try again.")


def create_app(config=None) -> Flask:
    """Build the app. config is a Config class, or None for the one OKRAPP_ENV names;
    a mapping of overrides may follow as `config_overrides` (tests use it)."""
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                instance_path=os.environ.get("OKRAPP_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"))
    _configure(app, config)
    _init_extensions(app)
    _register_features(app)
    _register_template_helpers(app)
    _register_errors(app)
    from okrapp.cli import register_commands
    register_commands(app)
    return app


def _configure(app: Flask, config) -> None:
    from config import config_from_env
    app.config.from_object(config or config_from_env())
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'okrapp.db'}"
    if not app.config.get("SECRET_KEY"):
        if app.config.get("OKRAPP_PRODUCTION"):
            raise RuntimeError("OKRAPP_SECRET_KEY must be set for the production configuration.")
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if app.config.get("OKRAPP_PRODUCTION"):
        _refuse_placeholder_addresses(app.config)
        _require_proxy_hops(app.config)
    from okrapp.core.logs import configure
    configure(app.config.get("OKRAPP_LOG_FORMAT", "text"))


def _refuse_placeholder_addresses(config) -> None:
    """Mail sent with the development defaults links to 127.0.0.1 and comes from okrapp@localhost:
    every link broken, most servers refusing the sender. Production must name real ones."""
    from email.utils import parseaddr
    from urllib.parse import urlsplit
    host = urlsplit(config.get("OKRAPP_BASE_URL") or "").hostname or ""
    if host in ("", "localhost", "127.0.0.1", "::1", "0.0.0.0") or host.endswith(".localhost"):
        raise RuntimeError("OKRAPP_BASE_URL must be the address people open okrapp at "
                           "(e.g. https://okr.example.com) for the production configuration.")
    sender = parseaddr(config.get("OKRAPP_MAIL_SENDER") or "")[1]
    domain = sender.rpartition("@")[2].lower()
    if not sender or "@" not in sender or domain in ("localhost", "") or "." not in domain:
        raise RuntimeError("OKRAPP_MAIL_SENDER must be a real address (e.g. okrapp <okrapp@example.com>) "
                           "for the production configuration.")


def _require_proxy_hops(config) -> None:
    """Behind a proxy that is not declared, every client has the proxy's address: one client's
    failures would throttle everyone. Production says how clients reach it, even when directly."""
    if config.get("OKRAPP_PROXY_HOPS") is None:
        raise RuntimeError("OKRAPP_PROXY_HOPS must be set for the production configuration: the number of "
                           "reverse proxies in front of okrapp whose X-Forwarded-For is trusted (1 behind nginx "
                           "or a load balancer), or 0 when clients connect to gunicorn directly.")


def _instance_secret(path: Path) -> str:
    """Generated on first start and kept, so sessions survive restarts."""
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Enforce foreign keys, and let readers and one writer work at once (web + scheduler)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_transaction(conn, name):
    """pysqlite opens a transaction only before a data-changing statement, so a SAVEPOINT sent
    first (mail.queue's begin_nested) started a transaction of its own that its RELEASE
    committed: the message was saved even when the change that queued it rolled back. Open the
    transaction first, as on PostgreSQL."""
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def _init_extensions(app: Flask) -> None:
    from okrapp import models  # noqa: F401  (register the tables)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    from okrapp.core import i18n, words
    i18n.init_app(app)  # first: the request's language is set before anything (CSRF, an expired session) says a word
    csrf.init_app(app)
    from okrapp.core.web import security
    security.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = N_("Please log in to continue.")
    login_manager.localize_callback = words.gettext
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(key):
        from okrapp.accounts import sessions
        return sessions.load(key)  # one indexed query: the session not ended, its user active

    from okrapp.core import caching
    caching.init_app(app)  # after Flask-Login: its stand-in viewer replaces current_user while a page is kept


def _register_features(app: Flask) -> None:
    """The capabilities, each a package with its blueprint; their scheduled jobs; the API's spec."""
    from okrapp.core.web.validators import BoundedIntegerConverter, guard_request
    app.url_map.converters["int"] = BoundedIntegerConverter  # before any route is added
    app.before_request(guard_request)
    from okrapp.accounts import views as accounts
    from okrapp.admin import views as admin
    from okrapp.api import views as api
    from okrapp.board import views as board
    from okrapp.conflicts import views as conflicts
    from okrapp.dashboard import views as dashboard
    from okrapp.exports import views as exports
    from okrapp.health import views as health
    from okrapp.integrations import views as integrations
    from okrapp.incentives import views as incentives
    from okrapp.okrs import views as okrs
    from okrapp.reviews import views as reviews
    for feature in (health, accounts, dashboard, reviews, board, okrs, incentives, conflicts, exports, api,
                    integrations):
        app.register_blueprint(feature.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    from okrapp.api.spec import api_spec
    api_spec.register(app)  # /api/v1/openapi.json, built from the validated views on first request
    from okrapp.accounts import oidc
    oidc.init_app(app)  # company sign-in's settings checked, the login page's button

    from okrapp.accounts.operations import alert_admins
    from okrapp.board.operations import board_jobs
    from okrapp.conflicts import jobs as conflict_jobs
    from okrapp.core.background import jobs
    from okrapp.reviews import jobs as review_jobs
    jobs.register(app, *review_jobs.jobs(), *conflict_jobs.jobs(), *board_jobs(),
                  on_tick=conflict_jobs.catch_up, on_give_up=alert_admins)
    from okrapp.integrations import delivery as integrations
    jobs.register(app, on_tick=integrations.deliver_due)  # webhooks and chat messages, after the scan's events


def _register_template_helpers(app: Flask) -> None:
    from okrapp.core import policy
    from okrapp.core import formatting
    from okrapp.core.timeutil import app_zone, to_local

    from okrapp.conflicts.rules.items import LEVELS
    app.jinja_env.globals["conflict_levels"] = LEVELS
    from okrapp.board.rules import AGE_BAND_LABELS
    app.jinja_env.globals["age_band_labels"] = AGE_BAND_LABELS

    @app.context_processor
    def inject_policy():
        return {"policy": policy}

    @app.template_filter("localtime")
    def localtime(value):
        return formatting.stamp(value, app_zone())

    @app.template_filter("localday")
    def localday(value, until=False):
        """The organisation's day of a stored moment (naive UTC or its ISO text); a date as it is."""
        return formatting.local_day(value, app_zone(), until)

    @app.template_filter("zip_signs")
    def zip_signs(path, signs):
        """A path of metric keys with the sign of the link into each, for metric_chain."""
        return [(metric, None if i == 0 else signs[i - 1]) for i, metric in enumerate(path)]

    app.add_template_filter(formatting.percent, "pct")
    app.add_template_filter(formatting.number, "num")
    app.add_template_filter(formatting.day, "day")
    app.add_template_filter(formatting.points, "points")
    app.add_template_filter(formatting.status_label, "status_label")
    app.add_template_filter(formatting.counted, "counted")
    for name in ("day_month", "clock", "moment", "long_day", "long_moment"):
        app.add_template_filter(getattr(formatting, name), name)
    app.add_template_filter(lambda value: to_local(value) if value else None, "local")
    app.add_template_filter(formatting.file_size, "file_size")
    app.add_template_filter(formatting.severity, "severity")
    app.add_template_filter(formatting.conflict_line, "conflict_line")
    app.add_template_filter(formatting.stored_text, "stored_text")
    app.add_template_filter(formatting.decimal, "decimal")
    app.add_template_filter(formatting.bar_points, "bar_points")


def _register_errors(app: Flask) -> None:
    from flask import make_response, render_template

    from flask import request
    from werkzeug.exceptions import HTTPException

    from okrapp.api.auth import ApiError, json_error
    from okrapp.core.words import _

    def api_error(error, code):
        return error.get_response() if isinstance(error, ApiError) else _keep_headers(json_error(code), error)

    def render(code, title, text):
        def handler(error):
            if request.path.startswith("/api/"):
                return api_error(error, code)
            return _keep_headers(make_response(render_template("errors/error.html", code=code, title=_(title),
                                                               text=_(text)), code), error)
        return handler

    @app.errorhandler(HTTPException)
    def api_errors(error):
        """Under /api/ every error is JSON; elsewhere Werkzeug's own page stays for codes not handled above."""
        if request.path.startswith("/api/"):
            return api_error(error, error.code or 500)
        return error

    @app.errorhandler(500)
    def server_error(error):
        if request.path.startswith("/api/"):
            return json_error(500, _("Something went wrong on our side."))
        return error

    app.register_error_handler(403, render(403, N_("Not allowed"), N_("Your role does not allow this action.")))
    app.register_error_handler(404, render(404, N_("Not found"), N_("There is nothing at this address.")))
    app.register_error_handler(400, render(400, N_("Bad request"), N_("The request could not be understood.")))
    app.register_error_handler(405, render(405, N_("Method not allowed"),
                                           N_("This address does not accept that method.")))
    from flask_wtf.csrf import CSRFError
    app.register_error_handler(CSRFError, render(400, N_("Form expired"), CSRF_FAILED))


def _keep_headers(response, error):
    """The headers the error itself carries (a 405's Allow, a 401's WWW-Authenticate) on our page."""
    if hasattr(error, "get_headers"):
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    return response
