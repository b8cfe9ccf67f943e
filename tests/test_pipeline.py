"""o2o.rawsql.pipeline: writes sent together still fail as Django's errors,
and take the transaction down with them."""

import pytest
from django.db import IntegrityError, transaction

from o2o import rawsql
from orders.models import RedeemFailures

pytestmark = pytest.mark.django_db(transaction=True)

INSERT = rawsql.Insert(RedeemFailures, ("scope", "window", "count"))


@transaction.atomic
def _two_writes_then_a_duplicate():
    INSERT.run(("staff:1", 1, 1))
    with rawsql.pipeline():
        INSERT.run(("staff:2", 1, 1))
        INSERT.run(("staff:1", 1, 1))  # the (scope, window) constraint


def test_a_failing_write_in_a_pipeline_is_djangos_integrity_error_and_rolls_back():
    with pytest.raises(IntegrityError):
        _two_writes_then_a_duplicate()
    assert not RedeemFailures.objects.exists()


def test_writes_in_a_pipeline_are_all_made():
    with transaction.atomic(), rawsql.pipeline():
        for n in range(3):
            INSERT.run((f"store:{n}", 1, n))
    assert sorted(RedeemFailures.objects.values_list("count", flat=True)) == [0, 1, 2]
