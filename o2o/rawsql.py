"""Prepared SQL for the few hot paths where the ORM's cost of building a
query shows: compiled by the ORM once (`Compiled`), or hand-written where it
states no business rule (the token's user).

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
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

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

    # What connection.cursor() does, with this cursor class; one cursor per
    # connection, kept for its next statements (a redemption runs eight).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    held = connection.connection
    raw = _SERVER_CURSORS.get(held)
    if raw is None or raw.closed:
        raw = _SERVER_CURSORS[held] = ServerBindingCursor(held)  # type: ignore[call-arg]
    wrapper = _LoggedCursor if connection.queries_logged else CursorWrapper
    yield wrapper(raw, connection)


_SERVER_CURSORS: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


@contextmanager
def pipeline() -> Iterator[None]:
    """Statements whose answers nobody reads, sent together: on PostgreSQL
    in psycopg's pipeline mode, one round trip for all of them (an error
    surfaces when the block ends, and fails the transaction as it would
    have); elsewhere one by one. Writes only: `execute`'s row count is not
    known inside."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    # Errors raised when the pipeline syncs become Django's, as a cursor's would.
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


class _LoggedCursor(CursorDebugWrapper):
    def execute(self, sql: Any, params: Any = None) -> Any:
        # Logged as written: the parameters are bound by the server, so the
        # driver holds no interpolated text to log instead.
        with self.debug_sql(sql, params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


def fetch_one(
    sql: str, params: Mapping[str, Any] | Sequence[Any], fields: Sequence[models.Field | None]
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


def execute(sql: str, params: Mapping[str, Any] | Sequence[Any]) -> int:
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


class Compiled:
    """SQL the ORM writes once from the rules, run many times as a prepared
    statement: for the few paths where building the query with the ORM cost
    several times what running it did.

    `build(**slots)` returns the ORM's (sql, params) for sentinel values of
    the slots (`query.sql_with_params()`, or an UPDATE's compiler); the
    sentinels are found among the params, and each run puts the real values
    in their places. The rules inside (Q objects, conditional updates) are
    the ORM's, the same ones every other path uses, so no rule is written
    twice and the statement is the same on SQLite and PostgreSQL.
    """

    # Sentinels: values within every integer field's range (the ORM drops a
    # condition it can tell is always true, such as a positive field >= a
    # negative number), unlike any constant of a statement; compiled twice,
    # with two sets, so a statement whose text depends on the values is refused.
    _SENTINEL_INTS = (2_147_480_000, 2_147_470_000)
    _SENTINEL_TIMES = (
        datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(1902, 3, 4, 5, 6, 7, tzinfo=UTC),
    )

    def __init__(self, build: Callable[..., tuple[str, Sequence[Any]]], **slots: str) -> None:
        """`slots`: name → "int" (or "id"), "str" or "time" (an aware datetime)."""
        self.build = build
        self.slots = slots

    def _sentinels(self, n: int) -> dict[str, Any]:
        sentinels: dict[str, Any] = {}
        for i, (name, kind) in enumerate(self.slots.items()):
            if kind == "time":
                sentinels[name] = self._SENTINEL_TIMES[n] + timedelta(microseconds=i)
            elif kind == "str":
                sentinels[name] = f"\x1fslot {n} {i}\x1f"
            else:
                sentinels[name] = self._SENTINEL_INTS[n] - i
        return sentinels

    def _adapt(self, kind: str, value: Any) -> Any:
        db = connections[connection.alias]
        return db.ops.adapt_datetimefield_value(value) if kind == "time" else value

    @functools.cached_property
    def _compiled(self) -> dict[str, tuple[str, list[Any], dict[int, str]]]:
        return {}

    def _compile(self, n: int) -> tuple[str, list[Any], dict[int, str]]:
        sentinels = self._sentinels(n)
        sql, params = self.build(**sentinels)
        adapted = {name: self._adapt(self.slots[name], value) for name, value in sentinels.items()}
        positions = {
            i: name
            for i, param in enumerate(params)
            for name, sentinel in adapted.items()
            # isinstance: the PostgreSQL backend wraps some ints (psycopg's Int4).
            if isinstance(param, type(sentinel))
            and not isinstance(param, bool)
            and param == sentinel
        }
        return sql, list(params), positions

    def statement(self, **values: Any) -> tuple[str, list[Any]]:
        """The SQL and its parameters for these values of the slots."""
        compiled = self._compiled.get(connection.alias)
        if compiled is None:
            compiled = self._compile(0)
            other = self._compile(1)
            if (compiled[0], compiled[2]) != (other[0], other[2]):
                raise ValueError("the compiled statement changes with the values of its slots")
            missing = set(self.slots) - set(compiled[2].values())
            if missing:
                raise ValueError(f"the compiled statement has no parameter for {missing}")
            self._compiled[connection.alias] = compiled
        sql, params, positions = compiled
        run = list(params)
        for i, name in positions.items():
            value = self._adapt(self.slots[name], values[name])
            if self.slots[name] in ("int", "id"):
                value = type(params[i])(value)  # as the ORM typed it (Int4 on PostgreSQL)
            run[i] = value
        return sql, run


class Insert:
    """A prepared INSERT of `rows` rows into `model`'s table, the values
    prepared for the database by their fields, as the ORM's own insert
    does; RETURNING the new ids when asked. For the hot path's appends
    (events, ledger legs, inbox rows): no business rule is written here."""

    def __init__(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        *,
        rows: int = 1,
        returning: bool = False,
    ) -> None:
        self.fields = [model._meta.get_field(name) for name in fields]
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in self.fields)  # type: ignore[union-attr]
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        values = ", ".join([one] * rows)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608 (names from the model)
        if returning:
            self.sql += " RETURNING " + connection.ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
        self.rows = rows
        self.returning = returning

    @functools.cached_property
    def _preps(self) -> list[Callable[[Any], Any] | None]:
        """How each field's values are prepared for the database: by the
        field, unless the driver takes them as they are (PostgreSQL's
        psycopg for these types, given aware datetimes: the field's own
        preparation would return the value unchanged)."""
        as_they_are = connection.vendor == "postgresql"
        return [
            None
            if as_they_are and f.get_internal_type() in _PASSED_AS_THEY_ARE  # type: ignore[union-attr]
            else functools.partial(f.get_db_prep_save, connection=connection)  # type: ignore[union-attr]
            for f in self.fields
        ]

    def params(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        if len(rows) != self.rows:
            raise ValueError(f"{len(rows)} rows for an insert of {self.rows}")
        preps = self._preps
        return [
            value if prep is None else prep(value)
            for row in rows
            for prep, value in zip(preps, row, strict=True)
        ]

    def run(self, *rows: Sequence[Any]) -> int | None:
        """Insert the rows; the first new id if `returning`."""
        with cursor() as c:
            c.execute(self.sql, self.params(rows))
            return c.fetchone()[0] if self.returning else None

    def send(self, *rows: Sequence[Any]) -> Callable[[], int]:
        """Insert the rows (RETURNING the new id), and give the way to read
        that id once the database has answered: inside a `pipeline()`, the
        insert goes with the statements after it, and its id is read when
        the pipeline ends. The statement has a cursor of its own, whose
        answer the next statements cannot replace."""
        if not self.returning:
            raise ValueError("send() reads the new id: make the Insert with returning=True")
        read = send(self.sql, self.params(rows))
        return lambda: cast(int, read()[0])


_PASSED_AS_THEY_ARE = frozenset(
    {
        "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField",
        "DateTimeField", "DecimalField", "ForeignKey", "IntegerField",
        "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
        "TextField", "UUIDField",
    }
)  # fmt: skip


def send(sql: str, params: Sequence[Any]) -> Callable[[], Sequence[Any]]:
    """Run a statement that RETURNS one row, and give the way to read that
    row once the database has answered: inside a `pipeline()` it goes with
    the statements after it and is read when the pipeline ends. It has a
    cursor of its own, whose answer the next statements cannot replace."""
    if connection.vendor != "postgresql":  # no pipeline: the row is there at once
        with cursor() as c:
            c.execute(sql, params)
            row = c.fetchone()
        return lambda: row
    with cursor() as shared:
        own = type(shared.cursor)(shared.cursor.connection)
    wrapper = _LoggedCursor if connection.queries_logged else CursorWrapper
    wrapped = wrapper(own, connection)
    wrapped.execute(sql, params)

    def read() -> Sequence[Any]:
        try:
            return cast(Sequence[Any], wrapped.fetchone())
        finally:
            wrapped.close()

    return read
