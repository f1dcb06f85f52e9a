"""okrapp: shared customer OKRs, incentive conflict detection and frequent priority reviews."""
import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the app. config is a Config class, or None for the one OKRAPP_ENV names;
    a mapping of overrides may follow as `config_overrides` (tests use it)."""
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                instance_path=os.environ.get("OKRAPP_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"))
    _configure(app, config)
    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_errors(app)
    from .cli import register_commands
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


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


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (register the tables)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token):
        from sqlalchemy import select
        from .models import User
        return db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


def _register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .board import bp as board_bp
    from .conflicts import bp as conflicts_bp
    from .dashboard import bp as dashboard_bp
    from .incentives import bp as incentives_bp
    from .okrs import bp as okrs_bp
    from .reviews import bp as reviews_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(okrs_bp)
    app.register_blueprint(incentives_bp)
    app.register_blueprint(conflicts_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")


def _register_template_helpers(app: Flask) -> None:
    from . import policy
    from .timeutil import to_local

    @app.context_processor
    def inject_policy():
        return {"policy": policy}

    @app.template_filter("localtime")
    def localtime(value, fmt="%Y-%m-%d %H:%M"):
        return to_local(value).strftime(fmt) if value else ""

    @app.template_filter("pct")
    def pct(value):
        return "–" if value is None else f"{round(value * 100)} %"

    @app.template_filter("num")
    def num(value):
        if value is None:
            return "–"
        return f"{value:,.0f}".replace(",", " ") if abs(value) >= 1000 else f"{round(value, 2):g}"


def _register_errors(app: Flask) -> None:
    from flask import render_template

    def render(code, title, text):
        def handler(error):
            return render_template("errors/error.html", code=code, title=title, text=text), code
        return handler

    app.register_error_handler(403, render(403, "Not allowed", "Your role does not allow this action."))
    app.register_error_handler(404, render(404, "Not found", "There is nothing at this address."))
    app.register_error_handler(400, render(400, "Bad request", "The request could not be understood."))
    app.register_error_handler(405, render(405, "Method not allowed", "This address does not accept that method."))
