import pytest
from django.urls import get_resolver


@pytest.fixture(scope="session", autouse=True)
def _urls_loaded_with_the_dev_gateway():
    """payments.urls mounts the development gateway's page when first imported,
    if it is then the configured gateway. Load it under the test settings
    (dev) before any test switches to Stripe: else a worker whose first test
    is a Stripe one never has the dev page, and later tests cannot reverse it."""
    get_resolver().url_patterns  # noqa: B018 - importing is the point
