"""The app's clock. Times are stored as naive UTC so SQLite and PostgreSQL agree;
tests replace the clock through the OKRAPP_CLOCK config value instead of sleeping."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    clock = current_app.config.get("OKRAPP_CLOCK") if has_app_context() else None
    if clock is not None:
        return clock()
    return datetime.now(UTC).replace(tzinfo=None)


def app_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["OKRAPP_TIMEZONE"])


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(app_zone())


def local_today() -> date:
    return to_local(utcnow()).date()
