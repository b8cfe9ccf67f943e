"""What every page says about payments: whether they are tests."""

from django.http import HttpRequest
from django.utils.functional import Promise

from .gateways import TEST_MODE_NOTICE, is_test_mode


def test_mode(request: HttpRequest) -> dict[str, Promise | str]:
    return {"TEST_PAYMENTS_NOTICE": TEST_MODE_NOTICE if is_test_mode() else ""}
