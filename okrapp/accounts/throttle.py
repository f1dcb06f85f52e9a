"""Login throttling that holds under concurrency and across server processes.

Every attempt first reserves a password check in the database, counted as a failure, in a
short transaction of its own that commits before the (slow) password check starts. The row of
each key is locked by an UPDATE before it is read, so parallel attempts in any number of
processes queue on it and each sees the others' reservations: a burst of 30 guesses gets at
most the free attempts checked. After the free attempts each further check waits a delay that
doubles per failure up to a ceiling: a slowdown, never a lock an attacker can hold forever,
since a success resets the account's counters and a browser that logged in before (its device
cookie) does not share the account-wide counter with strangers.

Keys: the pair (account, address) is the strict one; the account alone and the address alone
have larger allowances (guessing one account from many addresses, or many accounts from one).
The same keys are used whether or not the account exists, so throttling reveals nothing.

The API's failed token attempts are counted in the same table under keys of their own (below).
"""
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import case, select, update

from okrapp.core.extensions import db
from okrapp.accounts.models import LoginThrottle

DEVICE_COOKIE = "okrapp_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
FORGET_AFTER = timedelta(days=1)  # failures older than this (and not waiting) are forgotten


@dataclass(frozen=True, order=True)
class Bucket:
    key: str
    free: int
    forgiven_on_success: bool = True


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the next check is allowed, when refused


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def buckets_for(email: str, address: str | None, device: str | None) -> list[Bucket]:
    config = current_app.config
    email, address = email.strip().lower(), address or "-"
    free = config["OKRAPP_LOGIN_FREE_ATTEMPTS"]
    owner = (Bucket(f"device:{_digest(device)}", free) if device
             else Bucket(f"account:{_digest(email)}", config["OKRAPP_LOGIN_FREE_ATTEMPTS_ACCOUNT"]))
    return sorted([Bucket(f"pair:{_digest(email, address)}", free), owner,
                   Bucket(f"address:{_digest(address)}", config["OKRAPP_LOGIN_FREE_ATTEMPTS_ADDRESS"],
                          forgiven_on_success=False)])


def delay(over: int) -> float:
    """Seconds to wait before the next check, after `over` checks beyond the free ones (1, 2, …)."""
    config = current_app.config
    return min(config["OKRAPP_LOGIN_DELAY_SECONDS"] * 2 ** min(over - 1, 40), config["OKRAPP_LOGIN_MAX_DELAY_SECONDS"])


def reserve(buckets: list[Bucket], now: datetime) -> Verdict:
    """Count one attempt against every bucket, or refuse without counting if any bucket waits."""
    table = LoginThrottle.__table__
    with db.engine.begin() as conn:
        rows, wait = _held_rows(conn, table, buckets, now)
        if wait:
            return Verdict(False, wait)
        for bucket, row in rows.items():
            failures = 1 if _forgotten(row, now) else row.failures + 1
            over = failures - bucket.free + 1
            blocked = now + timedelta(seconds=delay(over)) if over >= 1 else None
            conn.execute(update(table).where(table.c.key == bucket.key)
                         .values(failures=failures, blocked_until=blocked, updated_at=now))
    return Verdict(True)


def _held_rows(conn, table, buckets: list[Bucket], now: datetime) -> tuple[dict, int]:
    """Each bucket's row, created if missing and locked until the transaction ends (in the buckets'
    sorted order, the same in every process: no deadlock); and the seconds the longest block still
    runs, 0 when none does."""
    rows = {}
    for bucket in buckets:
        conn.execute(_insert_missing(conn, table).values(key=bucket.key, failures=0, updated_at=now))
        conn.execute(update(table).where(table.c.key == bucket.key).values(failures=table.c.failures))
        rows[bucket] = conn.execute(select(table).where(table.c.key == bucket.key)).one()
    waits = [(row.blocked_until - now).total_seconds() for row in rows.values()
             if row.blocked_until is not None and row.blocked_until > now]
    return rows, math.ceil(max(waits)) if waits else 0


def forgive(buckets: list[Bucket]) -> None:
    """After a success: the account's counters start again; the address keeps its other failures."""
    table = LoginThrottle.__table__
    with db.engine.begin() as conn:
        for bucket in buckets:
            if bucket.forgiven_on_success:
                conn.execute(update(table).where(table.c.key == bucket.key).values(failures=0, blocked_until=None))
            else:
                conn.execute(update(table).where(table.c.key == bucket.key).values(
                    failures=case((table.c.failures > 0, table.c.failures - 1), else_=0)))


# The API's bearer tokens. A token is looked up before any counter is read, so a valid one is never
# refused, however many failures its address or anyone else has; only failed attempts are counted:
# against the token presented (hashed) and the client address, each refused for `window` once it
# reaches its limit. A counter without failures for `window` starts again.

def token_buckets(token: str | None, address: str | None) -> list[Bucket]:
    config = current_app.config
    buckets = [Bucket(f"api-address:{_digest(address or '-')}", config.get("OKRAPP_API_MAX_FAILURES", 20))]
    if token:  # a missing header is no credential to count against
        buckets.append(Bucket(f"api-token:{_digest(token)}", config.get("OKRAPP_API_MAX_FAILURES_TOKEN", 10)))
    return sorted(buckets)


def count_token_failure(buckets: list[Bucket], now: datetime, window: timedelta) -> Verdict:
    """Refused (counting nothing) while a bucket waits; else one failure counted against each."""
    table = LoginThrottle.__table__
    keys = [bucket.key for bucket in buckets]
    with db.engine.connect() as conn:  # a refused flood reads, and writes nothing
        waiting = conn.execute(select(table.c.blocked_until).where(table.c.key.in_(keys),
                                                                   table.c.blocked_until > now)).scalars().all()
    if waiting:
        return Verdict(False, math.ceil(max((until - now).total_seconds() for until in waiting)))
    with db.engine.begin() as conn:
        rows, wait = _held_rows(conn, table, buckets, now)
        if wait:  # another process blocked it meanwhile
            return Verdict(False, wait)
        for bucket, row in rows.items():
            quiet = row.updated_at is None or now - row.updated_at >= window
            failures = 1 if quiet else row.failures + 1
            blocked = failures >= bucket.free
            conn.execute(update(table).where(table.c.key == bucket.key).values(
                failures=0 if blocked else failures, blocked_until=now + window if blocked else None, updated_at=now))
    return Verdict(True)


def reset_buckets(email: str, address: str | None) -> list[Bucket]:
    """Password reset requests (accounts.links): counted per address asked for and per client,
    whether or not the address belongs to anyone; a request is never "forgiven" (reserve()'s delay
    doubles after the free ones, and a day of quiet forgets them)."""
    config = current_app.config
    return sorted([Bucket(f"reset-account:{_digest(email.strip().lower())}", config["OKRAPP_RESET_FREE_ATTEMPTS"],
                          forgiven_on_success=False),
                   Bucket(f"reset-address:{_digest(address or '-')}", config["OKRAPP_RESET_FREE_ATTEMPTS_CLIENT"],
                          forgiven_on_success=False)])


def _forgotten(row, now: datetime) -> bool:
    return row.updated_at is not None and now - row.updated_at > FORGET_AFTER and (
        row.blocked_until is None or row.blocked_until <= now)


def _insert_missing(conn, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.key])


# A browser that logged in to an account before carries a signed cookie naming that account; its
# attempts count against a counter of their own, so strangers guessing cannot slow its owner down.

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="okrapp-device")


def new_device_cookie(email: str) -> str:
    return _serializer().dumps({"a": _digest(email.strip().lower()), "n": secrets.token_urlsafe(16)})


def device_for(cookie: str | None, email: str) -> str | None:
    """The device's id when cookie is a valid one for this account, else None."""
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != _digest(email.strip().lower()):
        return None
    return str(data.get("n"))
