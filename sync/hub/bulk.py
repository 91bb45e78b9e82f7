"""Writing many rows in one go: COPY on PostgreSQL, executemany elsewhere.

A push stores hundreds of rows per request; PostgreSQL's COPY takes them in
one command for a fraction of the server work of one INSERT per row. Errors
come back as SQLAlchemy's DBAPIError like any other statement's, so a clash
(e.g. a duplicate event id) still rolls the whole batch back and the API
answers "busy" as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def insert_rows(s: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` in the session's transaction."""
    if not rows:
        return
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), [dict(zip(columns, row)) for row in rows])
        return
    import psycopg

    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"not a psycopg connection: {raw!r}")
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, None, exc, psycopg.Error, dialect=conn.dialect) from exc


def update_rows(s: Session, table: Table, key: str, columns: Sequence[str],
                rows: list[tuple[Any, ...]]) -> None:
    """Set ``columns`` of the rows named by ``key``; each row is (key, *values)."""
    if not rows:
        return
    stmt = (update(table).where(table.c[key] == bindparam("k_" + key))
            .values({c: bindparam("v_" + c) for c in columns}))
    names = ["k_" + key] + ["v_" + c for c in columns]
    s.connection().execute(stmt, [dict(zip(names, row)) for row in rows])
