"""`field__any=[...]`: membership in a list as one array parameter.

`field__in` writes one placeholder per value. The expiry's batches test
thousands of ids at a time, several statements a batch, and a statement of
5,000 placeholders cost 15–25 ms of client CPU (psycopg splits it to bind
them) and as much again for PostgreSQL to parse, against 7 ms for
`= ANY(%s)` with the list sent as one array. On other databases `any` is
`in`.
"""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> Any:
        if not self.rhs_is_direct_value():  # a subquery: as `in` does
            return self.as_sql(compiler, connection)
        field = self.lhs.output_field
        values = [
            field.get_db_prep_value(value, connection)
            for value in dict.fromkeys(self.rhs)
            if value is not None
        ]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


def register() -> None:
    IntegerField.register_lookup(AnyOf)  # ids (AutoField, BigAutoField) and counts
    ForeignKey.register_lookup(AnyOf)  # order_id__any=...
