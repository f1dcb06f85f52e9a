"""Renew the versions of whatever a transaction changes, whichever way it writes: objects flushed by
the ORM (new, changed, deleted) and bulk insert/update/delete statements run through the session.
The new tokens are written just before the commit, in the same transaction, so a reader sees the new
data and the new version together or neither. Writes that bypass the session (a restored backup) call
versions.renew_all() themselves."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from okrapp.core.caching import versions

PENDING = "okrapp_cache_changed"
# The feature whose tables make each aggregate; accounts and core tables other than these hold the
# machinery (sessions, tokens, throttles, outbox, jobs), and integrations its webhooks and chat channels
# (a delivery is written every scheduler tick), which no cached page shows.
FEATURES = {"okrs": "okrs", "conflicts": "conflicts", "reviews": "reviews", "board": "board",
            "incentives": "incentives", "admin": "people"}
TABLES = {"users": "people"}
_installed = []
_table_aggregate: dict[str, str | None] = {}


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _bulk_statement)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)


def aggregate_of_table(name: str) -> str | None:
    if not _table_aggregate:
        _map_tables()
    return _table_aggregate.get(name)


def _map_tables() -> None:
    from okrapp.core.extensions import db
    for mapper in db.Model.registry.mappers:
        feature = mapper.class_.__module__.split(".")[1]
        for table in mapper.tables:
            _table_aggregate[table.name] = TABLES.get(table.name, FEATURES.get(feature))
            for relationship in mapper.relationships:  # association tables change with their owner
                if relationship.secondary is not None and not _table_aggregate.get(relationship.secondary.name):
                    _table_aggregate[relationship.secondary.name] = FEATURES.get(feature)


def _changed(session) -> set:
    return session.info.setdefault(PENDING, set())


def _after_flush(session, _context) -> None:
    changed = _changed(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(getattr(type(obj), "__table__", None), "name", None)
        aggregate = aggregate_of_table(table) if table else None
        if aggregate:
            changed.add(aggregate)


def _bulk_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    aggregate = aggregate_of_table(getattr(table, "name", "")) if table is not None else None
    if aggregate:
        _changed(state.session).add(aggregate)


def _before_commit(session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit's own flush would come after this hook
    changed = session.info.pop(PENDING, None)
    if changed:
        versions.renew(session, changed)


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # the outermost one: committed (tokens written) or rolled back
        session.info.pop(PENDING, None)
