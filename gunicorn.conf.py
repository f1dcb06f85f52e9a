"""gunicorn settings for okrapp: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed with an environment variable (GUNICORN_*) or gunicorn's own command
line. The scheduler never runs in these workers: start `okrapp scheduler` beside them."""
import json
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # behind a TLS-terminating proxy
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
# Threaded workers: their main loop tells the arbiter it is alive while a request thread streams a long
# download (an export of a large company, a person on a slow line). A sync worker is silent while it
# answers, and is killed mid-download at the timeout (tests/exports/test_long_downloads.py).
threads = max(2, int(os.environ.get("GUNICORN_THREADS", "4")))
worker_class = "gthread"
# No request waits on SMTP or any other peer; the timeout catches a worker whose main loop is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))  # recycle workers, jittered
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = False  # each worker opens its own database connections after the fork

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
if os.environ.get("OKRAPP_LOG_FORMAT") == "json":
    access_log_format = json.dumps({"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s",
                                    "query": "%(q)s", "status": "%(s)s", "bytes": "%(B)s",
                                    "duration_us": "%(D)s", "agent": "%(a)s"})

# gunicorn 24+ opens a control socket in the home directory; several okrapp instances on one
# host would share it. Not needed: signals (HUP, TERM, TTIN/TTOU) do the same.
control_socket_disable = True
