"""Appending many rows at once, the same rows on every database.

The rows are computed by the callers' own rules; this only carries them: on
PostgreSQL by COPY (a night's expiry appends millions of ledger legs and
events, and building a model instance per row cost more than writing it),
elsewhere by the ORM's bulk_create.
"""

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (values in the order of `fields`, attnames such as
    "order_id") into `model`'s table. Defaults are not applied: give every
    column that has no database default."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(  # type: ignore[attr-defined]
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=1000
        )
        return
    meta = model._meta
    columns = ", ".join(
        connection.ops.quote_name(str(cast(Field, meta.get_field(name)).column)) for name in fields
    )
    table = connection.ops.quote_name(meta.db_table)
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)
