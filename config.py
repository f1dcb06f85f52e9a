"""Configuration classes. Everything a deployment changes comes from OKRAPP_* variables."""
import os


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_hops(name="OKRAPP_PROXY_HOPS"):
    """A count of trusted reverse proxies, or None when the variable is not set at all."""
    value = os.environ.get(name)
    if value is None:
        return None
    if not value.strip().isdigit():
        raise RuntimeError(f"{name} must be a number of reverse proxies (0: clients connect directly), not {value!r}")
    return int(value)


class Config:
    SECRET_KEY = os.environ.get("OKRAPP_SECRET_KEY")
    # None means: a SQLite file in the instance folder (resolved in create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("OKRAPP_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    OKRAPP_TIMEZONE = os.environ.get("OKRAPP_TIMEZONE", "Europe/Helsinki")
    # the languages offered (a catalogue each in okrapp/translations, English being the sources'), and
    # the one for whoever has chosen none and whose browser asks for none of them
    OKRAPP_LANGUAGES = os.environ.get("OKRAPP_LANGUAGES", "en,fi")
    OKRAPP_DEFAULT_LOCALE = os.environ.get("OKRAPP_DEFAULT_LOCALE", "en")
    OKRAPP_BASE_URL = os.environ.get("OKRAPP_BASE_URL", "http://127.0.0.1:5000")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("OKRAPP_HTTPS")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _env_bool("OKRAPP_HTTPS")
    # A session ends after this long without a request, and this long after the login in any case.
    OKRAPP_SESSION_IDLE_MINUTES = int(os.environ.get("OKRAPP_SESSION_IDLE_MINUTES", "120"))
    OKRAPP_SESSION_MAX_HOURS = int(os.environ.get("OKRAPP_SESSION_MAX_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = OKRAPP_SESSION_MAX_HOURS * 3600
    # Largest request body accepted (uploads included); larger ones get a clear 413.
    MAX_CONTENT_LENGTH = int(os.environ.get("OKRAPP_MAX_REQUEST_BYTES", str(4 * 1024 * 1024)))
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; long review meetings must not expire forms

    # Mail: SMTP when OKRAPP_SMTP_HOST is set, else .eml files under instance/outbox/.
    OKRAPP_SMTP_HOST = os.environ.get("OKRAPP_SMTP_HOST", "")
    OKRAPP_SMTP_PORT = int(os.environ.get("OKRAPP_SMTP_PORT", "25"))
    OKRAPP_SMTP_USER = os.environ.get("OKRAPP_SMTP_USER", "")
    OKRAPP_SMTP_PASSWORD = os.environ.get("OKRAPP_SMTP_PASSWORD", "")
    OKRAPP_SMTP_STARTTLS = _env_bool("OKRAPP_SMTP_STARTTLS")
    OKRAPP_MAIL_SENDER = os.environ.get("OKRAPP_MAIL_SENDER", "okrapp <okrapp@localhost>")
    OKRAPP_SMTP_TIMEOUT = float(os.environ.get("OKRAPP_SMTP_TIMEOUT", "30"))

    # Background work (okrapp.core.background). A claim on a job period or an outgoing
    # message is a lease: it expires this many seconds after its holder last renewed it, so work
    # held by a process that died is taken over. Tests shorten them to run in seconds.
    OKRAPP_JOB_LEASE_SECONDS = float(os.environ.get("OKRAPP_JOB_LEASE_SECONDS", "300"))
    OKRAPP_JOB_MAX_ATTEMPTS = int(os.environ.get("OKRAPP_JOB_MAX_ATTEMPTS", "4"))
    OKRAPP_JOB_RETRY_SECONDS = float(os.environ.get("OKRAPP_JOB_RETRY_SECONDS", "60"))  # doubles per attempt
    OKRAPP_MAIL_LEASE_SECONDS = float(os.environ.get("OKRAPP_MAIL_LEASE_SECONDS", "300"))
    OKRAPP_SCHEDULER_TICK_SECONDS = float(os.environ.get("OKRAPP_SCHEDULER_TICK_SECONDS", "60"))
    OKRAPP_DELIVERY_SECONDS = float(os.environ.get("OKRAPP_DELIVERY_SECONDS", "5"))
    OKRAPP_SCHEDULER_POLL_SECONDS = float(os.environ.get("OKRAPP_SCHEDULER_POLL_SECONDS", "5"))
    OKRAPP_LOG_FORMAT = os.environ.get("OKRAPP_LOG_FORMAT", "text")  # text or json

    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none). Set it
    # behind nginx or a load balancer, or every client shares the proxy's address for throttling.
    # None (not set) counts as 0, except that the production configuration refuses to start without it.
    OKRAPP_PROXY_HOPS = _env_hops()
    # Login throttling (okrapp/accounts/throttle.py): password checks allowed per key before each
    # further one waits, the first wait (doubled per failure) and its ceiling.
    OKRAPP_LOGIN_FREE_ATTEMPTS = int(os.environ.get("OKRAPP_LOGIN_FREE_ATTEMPTS", "5"))
    OKRAPP_LOGIN_FREE_ATTEMPTS_ACCOUNT = int(os.environ.get("OKRAPP_LOGIN_FREE_ATTEMPTS_ACCOUNT", "20"))
    OKRAPP_LOGIN_FREE_ATTEMPTS_ADDRESS = int(os.environ.get("OKRAPP_LOGIN_FREE_ATTEMPTS_ADDRESS", "50"))
    OKRAPP_LOGIN_DELAY_SECONDS = float(os.environ.get("OKRAPP_LOGIN_DELAY_SECONDS", "2"))
    OKRAPP_LOGIN_MAX_DELAY_SECONDS = float(os.environ.get("OKRAPP_LOGIN_MAX_DELAY_SECONDS", "900"))
    # Invitations and password resets (okrapp/accounts/links.py): how long a link works (once);
    # reset requests allowed per address asked for and per client before further ones wait.
    OKRAPP_INVITE_DAYS = int(os.environ.get("OKRAPP_INVITE_DAYS", "7"))
    OKRAPP_RESET_MINUTES = int(os.environ.get("OKRAPP_RESET_MINUTES", "60"))
    OKRAPP_RESET_FREE_ATTEMPTS = int(os.environ.get("OKRAPP_RESET_FREE_ATTEMPTS", "3"))
    OKRAPP_RESET_FREE_ATTEMPTS_CLIENT = int(os.environ.get("OKRAPP_RESET_FREE_ATTEMPTS_CLIENT", "20"))
    # API tokens: failed attempts per client address and per token presented before that caller's
    # further failed attempts answer 429 for 15 minutes (a valid token always answers).
    OKRAPP_API_MAX_FAILURES = int(os.environ.get("OKRAPP_API_MAX_FAILURES", "20"))
    OKRAPP_API_MAX_FAILURES_TOKEN = int(os.environ.get("OKRAPP_API_MAX_FAILURES_TOKEN", "10"))
    # JSON bodies of the API: larger ones answer 413, deeper nesting 400 (before anything parses them).
    OKRAPP_API_MAX_JSON_BYTES = int(os.environ.get("OKRAPP_API_MAX_JSON_BYTES", str(1024 * 1024)))
    OKRAPP_API_MAX_JSON_DEPTH = int(os.environ.get("OKRAPP_API_MAX_JSON_DEPTH", "32"))

    # Company sign-in with OpenID Connect (okrapp/accounts/oidc.py): on when all three are set. The
    # provider is found at <issuer>/.well-known/openid-configuration; register the redirect URI
    # OKRAPP_BASE_URL + /login/sso/callback there. NAME labels the button ("Sign in with NAME");
    # a verified e-mail of one of DOMAINS (comma-separated) that has no user joins inactive, waiting
    # for an admin to give it a role.
    OKRAPP_OIDC_ISSUER = os.environ.get("OKRAPP_OIDC_ISSUER", "")
    OKRAPP_OIDC_CLIENT_ID = os.environ.get("OKRAPP_OIDC_CLIENT_ID", "")
    OKRAPP_OIDC_CLIENT_SECRET = os.environ.get("OKRAPP_OIDC_CLIENT_SECRET", "")
    OKRAPP_OIDC_NAME = os.environ.get("OKRAPP_OIDC_NAME", "")
    OKRAPP_OIDC_DOMAINS = os.environ.get("OKRAPP_OIDC_DOMAINS", "")
    # "off": only the admin whose e-mail is OKRAPP_BREAK_GLASS_ADMIN may sign in with a password.
    OKRAPP_PASSWORD_LOGIN = os.environ.get("OKRAPP_PASSWORD_LOGIN", "on")
    OKRAPP_BREAK_GLASS_ADMIN = os.environ.get("OKRAPP_BREAK_GLASS_ADMIN", "")

    # Outbound webhooks and Slack/Teams channels (okrapp/integrations): private, loopback and link-local
    # targets are refused unless this is set (tests and closed networks); each delivery attempt waits at most
    # TIMEOUT seconds to connect and for each read; an endpoint is paused after PAUSE_AFTER failed attempts in
    # a row (its admins told).
    OKRAPP_ALLOW_PRIVATE_WEBHOOKS = _env_bool("OKRAPP_ALLOW_PRIVATE_WEBHOOKS")
    OKRAPP_WEBHOOK_TIMEOUT = float(os.environ.get("OKRAPP_WEBHOOK_TIMEOUT", "10"))
    OKRAPP_WEBHOOK_PAUSE_AFTER = int(os.environ.get("OKRAPP_WEBHOOK_PAUSE_AFTER", "10"))
    OKRAPP_WEBHOOK_LEASE_SECONDS = float(os.environ.get("OKRAPP_WEBHOOK_LEASE_SECONDS", "120"))
    # Rendered pages are kept per data version (okrapp/core/caching): empty → in each process's memory;
    # redis://host:6379/0 → in Redis, shared by every gunicorn worker (production); none → not kept.
    OKRAPP_CACHE_URL = os.environ.get("OKRAPP_CACHE_URL", "")
    OKRAPP_CACHE_PREFIX = os.environ.get("OKRAPP_CACHE_PREFIX", "okrapp:")  # several instances on one Redis
    OKRAPP_CACHE_SECONDS = int(os.environ.get("OKRAPP_CACHE_SECONDS", "86400"))  # unused entries expire

    OKRAPP_DEMO_ALLOWED = True
    OKRAPP_PRODUCTION = False


class DevConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True  # as in production; tests/conftest.py's client supplies the token
    OKRAPP_PASSWORD_METHOD = "scrypt:1024:8:1"  # same algorithm, a cost tests can afford
    OKRAPP_CACHE_URL = ""  # in-process: a test run never reads or clears a Redis it was not given
    # Tests move the fixed clock by days with one logged-in client; the lifetime tests set their own.
    OKRAPP_SESSION_IDLE_MINUTES = OKRAPP_SESSION_MAX_HOURS = 10 * 365 * 24 * 60


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
