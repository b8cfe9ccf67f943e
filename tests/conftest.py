"""Fixtures shared by every test module."""

import pytest

from merchants.models import Membership

from .factories import MembershipFactory, OfferFactory, StoreFactory, UserFactory, make_cashier

# Under .ci/run (O2O_REQUIRE_SERVICES=1) a skipped test fails: tests/ci_skips.py.
pytest_plugins = ["tests.ci_skips"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles live in the cache; no test should inherit another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Chinese activates it for the thread; the next test must
    not inherit it (the API's schema and conformance tests ask in zh-hans)."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _money_adds_up(request):
    """After every database test, the money ledger must balance (invariant 4),
    and every order's count of usable vouchers must match its vouchers."""
    yield
    if (
        "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or (request.node.get_closest_marker("django_db"))
    ):
        from .money import assert_money_adds_up, assert_orders_count_their_vouchers

        _while_sqlite_is_locked(assert_money_adds_up)
        _while_sqlite_is_locked(assert_orders_count_their_vouchers)


def _while_sqlite_is_locked(check, tries=50):
    """The session's live server may still be handling a late webhook of an
    earlier test; SQLite's in-memory database then locks the table for a moment."""
    import time

    from django.db import OperationalError

    for _ in range(tries - 1):
        try:
            return check()
        except OperationalError as err:
            if "locked" not in str(err):
                raise
            time.sleep(0.1)
    return check()


@pytest.fixture
def consumer(db):
    return UserFactory(email="consumer@test.example")


@pytest.fixture
def offer(db):
    return OfferFactory()


@pytest.fixture
def merchant(offer):
    return offer.merchant


@pytest.fixture
def store(offer):
    return offer.stores.get()


@pytest.fixture
def owner(merchant):
    return MembershipFactory(merchant=merchant, role=Membership.Role.OWNER).user


@pytest.fixture
def cashier(merchant):
    return make_cashier(merchant)


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@test.example", is_staff=True, is_superuser=True)


@pytest.fixture
def other_store(db):
    """A store of another merchant, with its own cashier."""
    return StoreFactory()
