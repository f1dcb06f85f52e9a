"""Configuration classes. Everything a deployment changes comes from OKRAPP_* variables."""
import os


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("OKRAPP_SECRET_KEY")
    # None means: a SQLite file in the instance folder (resolved in create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("OKRAPP_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    OKRAPP_TIMEZONE = os.environ.get("OKRAPP_TIMEZONE", "Europe/Helsinki")
    OKRAPP_BASE_URL = os.environ.get("OKRAPP_BASE_URL", "http://127.0.0.1:5000")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("OKRAPP_HTTPS")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _env_bool("OKRAPP_HTTPS")
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; long review meetings must not expire forms

    # Mail: SMTP when OKRAPP_SMTP_HOST is set, else .eml files under instance/outbox/.
    OKRAPP_SMTP_HOST = os.environ.get("OKRAPP_SMTP_HOST", "")
    OKRAPP_SMTP_PORT = int(os.environ.get("OKRAPP_SMTP_PORT", "25"))
    OKRAPP_SMTP_USER = os.environ.get("OKRAPP_SMTP_USER", "")
    OKRAPP_SMTP_PASSWORD = os.environ.get("OKRAPP_SMTP_PASSWORD", "")
    OKRAPP_SMTP_STARTTLS = _env_bool("OKRAPP_SMTP_STARTTLS")
    OKRAPP_MAIL_SENDER = os.environ.get("OKRAPP_MAIL_SENDER", "okrapp <okrapp@localhost>")

    # Failed logins per account before it is locked, and for how long.
    OKRAPP_LOGIN_MAX_FAILURES = int(os.environ.get("OKRAPP_LOGIN_MAX_FAILURES", "5"))
    OKRAPP_LOGIN_LOCK_MINUTES = int(os.environ.get("OKRAPP_LOGIN_LOCK_MINUTES", "15"))

    OKRAPP_DEMO_ALLOWED = True
    OKRAPP_PRODUCTION = False


class DevConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    OKRAPP_PASSWORD_METHOD = "scrypt:1024:8:1"  # same algorithm, a cost tests can afford


class ProdConfig(Config):
    OKRAPP_DEMO_ALLOWED = False
    OKRAPP_PRODUCTION = True


CONFIGS = {"development": DevConfig, "test": TestConfig, "production": ProdConfig}


def config_from_env():
    """Pick the class named by OKRAPP_ENV (development by default)."""
    name = os.environ.get("OKRAPP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"OKRAPP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
