"""Hand-written SQL for the few hot paths where the ORM's cost shows.

On PostgreSQL these statements are prepared: parsed and planned once per
connection (DB_PREPARED_STATEMENTS in the settings), as planning a
five-table read took several times longer than running it.

The rows come back as the ORM would give them: each value through the
converters of the field it was read from (SQLite returns dates as text and
decimals as floats; PostgreSQL needs none), and instances built from them
with the other fields deferred.
"""

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models.base import DEFERRED

M = TypeVar("M", bound=models.Model)


def compact(sql: str) -> str:
    """`sql` without line comments and runs of white space.

    psycopg parses a statement's text on every execution unless the text is
    at most 4 KB (then it keeps the parse), so long statements are sent lean.
    """
    return " ".join(re.sub(r"--[^\n]*", "", sql).split())


@contextmanager
def cursor() -> Iterator[CursorWrapper]:
    """A cursor that binds parameters on the server, so that PostgreSQL can
    keep the statement prepared (DATABASES OPTIONS prepare_threshold)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            yield plain
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    # What connection.cursor() does, with this cursor class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]  # psycopg 3
    wrapper = _LoggedCursor if connection.queries_logged else CursorWrapper
    with wrapper(raw, connection) as wrapped:
        yield wrapped


class _LoggedCursor(CursorDebugWrapper):
    def execute(self, sql: Any, params: Any = None) -> Any:
        # Logged as written: the parameters are bound by the server, so the
        # driver holds no interpolated text to log instead.
        with self.debug_sql(sql, params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


def fetch_one(
    sql: str, params: Mapping[str, Any], fields: Sequence[models.Field | None]
) -> list[Any] | None:
    """The first row of `sql`, each column converted as `fields` says (None: as it comes)."""
    with cursor() as c:
        c.execute(sql, params)
        row = c.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, convert, col in _converters(connection.alias, tuple(fields)):
        values[i] = convert(values[i], col, connection)
    return values


def execute(sql: str, params: Mapping[str, Any]) -> int:
    """Run a write; the number of rows it touched."""
    with cursor() as c:
        c.execute(sql, params)
        return c.rowcount


@functools.cache
def _converters(alias: str, fields: tuple[models.Field | None, ...]) -> list[tuple[int, Any, Any]]:
    """(column, converter, expression) for what the ORM would convert; none on PostgreSQL."""
    db = connections[alias]
    found: list[tuple[int, Any, Any]] = []
    for i, field in enumerate(fields):
        if field is not None:
            col = field.get_col(field.model._meta.db_table)
            converters = db.ops.get_db_converters(col) + col.get_db_converters(db)
            found.extend((i, convert, col) for convert in converters)
    return found


def instance(model: type[M], values: Mapping[str, Any]) -> M:
    """A `model` instance as if loaded from the database with only these fields."""
    return model.from_db(
        connection.alias,
        list(values),
        [values.get(f.attname, DEFERRED) for f in model._meta.concrete_fields],
    )
