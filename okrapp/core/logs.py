"""Logging: readable lines by default, one JSON object per line with OKRAPP_LOG_FORMAT=json
(for a log collector: every record keeps its level, logger, process and exception)."""
import json
import logging
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# APScheduler says "Running job … executed successfully" for every run of the 5-second delivery and
# heartbeat jobs: 50,000 lines a day that bury what matters. Its warnings and errors still show;
# okrapp.jobs logs the job periods themselves.
QUIET = {"apscheduler.executors.default": logging.WARNING}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "pid": record.process}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str) -> None:
    """Install one handler on the root logger (idempotent: create_app may run more than once)."""
    if log_format not in ("text", "json"):
        raise RuntimeError(f"OKRAPP_LOG_FORMAT must be text or json, not {log_format!r}")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "okrapp", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.okrapp = True
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.setLevel(logging.INFO)
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
