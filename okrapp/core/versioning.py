"""Refusing stale saves: every edit form carries the version it was loaded with.

claim() is a compare-and-set on the row, run before the service changes anything: the UPDATE
raises the version only while it is still the one the editor saw. On PostgreSQL the UPDATE
locks the row, so a second editor's claim waits for the first commit and then finds the version
moved; SQLite serialises writers the same way. Key results use SQLAlchemy's version_id_col
instead (okrs/operations.py) and give the same message.
"""
from sqlalchemy import func, or_, select, update

from okrapp.core import formatting as fmt
from okrapp.core.extensions import db
from okrapp.core.timeutil import to_local, utcnow
from okrapp.core.errors import StaleEdit
from okrapp.core.words import _

VERSION_LIMIT = 2**31 - 1  # a version from a form beyond this cannot be one we issued


def stale_message(title: str, who: str | None, when) -> str:
    """Who changed the record and when, so the editor knows whose work to look at before trying again."""
    if who and when:
        return _("“%(title)s” was changed by %(who)s meanwhile (at %(moment)s). Nothing of yours was saved; "
                 "look at the current values and try again.", title=title, who=who, moment=fmt.clock(to_local(when)))
    if who:
        return _("“%(title)s” was changed by %(who)s meanwhile. Nothing of yours was saved; look at the current "
                 "values and try again.", title=title, who=who)
    return _("“%(title)s” was changed by someone else meanwhile. Nothing of yours was saved; look at the current "
             "values and try again.", title=title)


def label(record) -> str:
    for attribute in ("title", "name", "email"):
        value = getattr(record, attribute, None)
        if value:
            return str(value)
    return _("This record")


def stale(record) -> StaleEdit:
    error = StaleEdit(stale_message(label(record), record.updated_by_name, record.updated_at))
    error.current_version = record.version
    return error


def claim(record, expected_version: int | None, by=None) -> None:
    """Raise StaleEdit if record changed since the form was loaded (None: the caller sent no
    version, e.g. a script; the save still raises the version so open forms become stale)."""
    if record.id is None:
        return
    if expected_version is not None and record.version != expected_version:
        raise stale(record)
    model = type(record)
    values = {"version": model.version + 1, "updated_at": utcnow()}
    if "updated_by_name" in model.__table__.c:
        values["updated_by_name"] = (by.name if by is not None else "")[:120]
    result = db.session.execute(update(model).where(model.id == record.id, model.version == record.version)
                                .values(**values).execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        db.session.rollback()
        raise stale(db.session.get(model, record.id))


def parse_version(raw) -> int | None:
    """The hidden field's text as a version: None when absent; -1 (never current) when garbled."""
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        return -1
    return value if 0 <= value <= VERSION_LIMIT else -1


def taken(model, column, value, exclude_id=None) -> bool:
    """Taken in any letter case. The exact comparison is there too because SQL lower() changes only
    ASCII letters (SQLite; PostgreSQL under the C locale): "Ä" would pass the case-blind check and
    meet the unique index instead (a 500)."""
    value = value.strip()
    query = select(model.id).where(or_(column == value, func.lower(column) == value.lower()))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None
