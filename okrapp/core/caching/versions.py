"""A token per aggregate, renewed (never reused, so an emptied and refilled database cannot meet an
old cache entry) in the transaction that changes the aggregate. Readers fetch all tokens in one query."""
import uuid

from flask import g
from sqlalchemy import select

from okrapp.core.caching.models import CacheVersion
from okrapp.core.extensions import db

# What a page can depend on. Tables of other features map onto these in hooks.py; the tables of the
# machinery (sessions, throttles, outbox, job runs, scheduler) belong to none: they change all the time
# and no cached page shows them.
AGGREGATES = ("okrs", "conflicts", "reviews", "board", "incentives", "people")
MISSING = "-"


def renew(session, names) -> None:
    """Give each named aggregate a new token, inside the session's current transaction (one
    statement, rows in name order so concurrent writers lock them in the same order)."""
    names = sorted(set(names))
    if not names:
        return
    token = uuid.uuid4().hex
    table = CacheVersion.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values([{"name": name, "token": token} for name in names])
    session.execute(statement.on_conflict_do_update(index_elements=[table.c.name],
                                                    set_={"token": statement.excluded.token}))
    g.pop("okrapp_cache_versions", None) if _in_app_context() else None


def current() -> dict[str, str]:
    """Every aggregate's token, read once per request."""
    if "okrapp_cache_versions" not in g:
        table = CacheVersion.__table__  # Core, not ORM: this runs on every cached request
        rows = db.session.connection().execute(select(table.c.name, table.c.token)).all()
        g.okrapp_cache_versions = {name: MISSING for name in AGGREGATES} | dict(rows)
    return g.okrapp_cache_versions


def renew_all() -> None:
    """For changes made outside the session (a restored backup) and `okrapp cache clear`."""
    renew(db.session, AGGREGATES)


def _in_app_context() -> bool:
    from flask import has_app_context
    return has_app_context()
