"""`okrapp backup` and `okrapp restore`: every table of the schema in one portable file.

The file is gzip'd JSON lines: a header (format, schema revision, tables), then one line per row.
It is the same on SQLite and PostgreSQL, so a backup restores on either (a move from SQLite to
PostgreSQL is a backup and a restore), needs no pg_dump of the server's exact version on the app
host, and is checked before anything is written. A restore replaces everything in one transaction
(all or nothing) and only into a database migrated to the same revision. For a very large
PostgreSQL database pg_dump is faster; the README says how."""
import base64
import gzip
import json
from datetime import date, datetime
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import Date, DateTime, LargeBinary, func, select, text

from okrapp.core.extensions import db
from okrapp.core.words import _

FORMAT, VERSION = "okrapp-backup", 1
BATCH = 1000


class BackupError(Exception):
    """A file that is not a backup okrapp can restore here; nothing was changed."""


def revision(conn) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(column):
    kind = column.type
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    return lambda v: v


def backup(path: Path) -> dict[str, int]:
    """Write every table, read in one snapshot (a consistent backup while the app runs)."""
    counts = {}
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # pysqlite would not open the read transaction itself
        tables = db.metadata.sorted_tables
        with gzip.open(path, "wt", encoding="utf-8") as out:
            header = {"format": FORMAT, "version": VERSION, "revision": revision(conn),
                      "tables": {t.name: [c.name for c in t.columns] for t in tables}}
            out.write(json.dumps(header) + "\n")
            for table in tables:
                counts[table.name] = 0
                order = list(table.primary_key.columns) or list(table.columns)
                for row in conn.execute(select(table).order_by(*order)):
                    out.write(json.dumps({"t": table.name, "r": [_encode(v) for v in row]}) + "\n")
                    counts[table.name] += 1
        conn.rollback()
    return counts


def restore(path: Path, force: bool = False) -> dict[str, int]:
    """Replace the database's contents with the backup's. Refuses a database that holds users
    unless force, and a backup of another schema revision."""
    tables = {t.name: t for t in db.metadata.sorted_tables}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            header = json.loads(source.readline())
    except (OSError, EOFError, ValueError) as error:
        raise BackupError(_("%(path)s: not an okrapp backup (%(error)s)", path=path, error=error)) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError(_("%(path)s: not an okrapp backup (format %(format)s %(version)s)", path=path, format=FORMAT,
                            version=VERSION))
    counts = {name: 0 for name in tables}
    with db.engine.connect() as conn:
        current = revision(conn)
        if header["revision"] != current:
            raise BackupError(_("the backup is of schema revision %(revision)s, this database is at %(current)s: run "
                                "`okrapp db upgrade %(revision)s` on an empty database first",
                                revision=header["revision"], current=current))
        if set(header["tables"]) != set(tables) or any(
                header["tables"][n] != [c.name for c in t.columns] for n, t in tables.items()):
            raise BackupError(_("the backup's tables do not match this version of okrapp"))
        conn.rollback()
        with conn.begin():
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN")
            users = tables["users"]
            if not force and conn.execute(select(func.count()).select_from(users)).scalar():
                raise BackupError(_("this database has users; restore replaces everything in it: add --force"))
            for table in reversed(list(tables.values())):
                conn.execute(table.delete())
            _load(conn, path, tables, counts)
            _reset_sequences(conn, tables.values())
    return counts


def _load(conn, path, tables, counts) -> None:
    decoders = {name: [(c.name, _decoder(c)) for c in t.columns] for name, t in tables.items()}
    batch, batch_table = [], None
    with gzip.open(path, "rt", encoding="utf-8") as source:
        source.readline()
        for line in source:
            entry = json.loads(line)
            if entry["t"] != batch_table or len(batch) >= BATCH:
                if batch:
                    conn.execute(tables[batch_table].insert(), batch)
                batch, batch_table = [], entry["t"]
            batch.append({name: decode(value) for (name, decode), value in zip(decoders[entry["t"]], entry["r"])})
            counts[entry["t"]] += 1
    if batch:
        conn.execute(tables[batch_table].insert(), batch)


def _reset_sequences(conn, tables) -> None:
    """PostgreSQL hands out ids from sequences the inserts did not advance: move them past the data."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and keys[0].autoincrement in (True, "auto") and keys[0].type.python_type is int:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{keys[0].name}'), "
                              f"COALESCE((SELECT MAX({keys[0].name}) FROM {table.name}), 0) + 1, false)"))
