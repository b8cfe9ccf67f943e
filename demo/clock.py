"""The demo's clock: its past happens in the past.

Rankings count redemptions "this month", "new and rising" looks at when a
deal was published, and a merchant's funnel is read week by week, so the
demo's history is spread over the last weeks. The services ask the time of
`django.utils.timezone.now()` (every timestamp they write, every rule they
check: payment deadlines, voucher validity), so running a service under
`at(moment)` makes it happen at `moment`, with every invariant checked as
it was then.

Only the demo loader uses it, in its own process (a management command);
after-commit callbacks run when the loader's transaction commits, at the
real time.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

from django.utils import timezone


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (an aware datetime in the past)."""
    if timezone.is_naive(moment) or moment > timezone.now():
        raise ValueError("The demo's clock goes back to an aware moment in the past.")
    with mock.patch.object(timezone, "now", return_value=moment):
        yield
