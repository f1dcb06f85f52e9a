"""Renew the versions of whatever a transaction changes, whichever way it writes: objects flushed by
the ORM (new, changed, deleted) and bulk insert/update/delete statements run through the session.
The new tokens are written just before the commit, in the same transaction, so a reader sees the new
data and the new version together or neither. Writes that bypass the session (a restored backup) call
versions.renew_all() themselves."""
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from okrapp.core.caching import versions

PENDING = "okrapp_cache_changed"
# The feature whose tables make each aggregate; accounts and core tables other than these hold the
# machinery (sessions, tokens, throttles, outbox, jobs), and integrations its webhooks and chat channels
# (a delivery is written every scheduler tick), which no cached page shows.
FEATURES = {"okrs": "okrs", "conflicts": "conflicts", "reviews": "reviews", "board": "board",
            "incentives": "incentives", "admin": "people"}
TABLES = {"users": "people"}
# columns whose change no cached page shows, written often: a calendar app's poll must not empty the cache
UNSHOWN = {"users": {"calendar_last_used_at"}}
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
    """Built whole, then published at once: a second thread of a threaded worker flushing meanwhile must not
    read a half-filled map and miss its aggregate."""
    from okrapp.core.extensions import db
    mapping: dict[str, str | None] = {}
    for mapper in db.Model.registry.mappers:
        feature = mapper.class_.__module__.split(".")[1]
        for table in mapper.tables:
            mapping[table.name] = TABLES.get(table.name, FEATURES.get(feature))
            for relationship in mapper.relationships:  # association tables change with their owner
                if relationship.secondary is not None and not mapping.get(relationship.secondary.name):
                    mapping[relationship.secondary.name] = FEATURES.get(feature)
    _table_aggregate.update(mapping)


def _changed(session) -> set:
    return session.info.setdefault(PENDING, set())


def _after_flush(session, _context) -> None:
    changed = _changed(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(getattr(type(obj), "__table__", None), "name", None)
        aggregate = aggregate_of_table(table) if table else None
        if aggregate and not (obj in session.dirty and _only_unshown(obj, UNSHOWN.get(table))):
            changed.add(aggregate)


def _only_unshown(obj, unshown: set | None) -> bool:
    if not unshown:
        return False
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return bool(changed) and changed <= unshown


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
