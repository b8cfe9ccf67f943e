"""A coming flash deal in a phone's browser: the countdown runs under the
site's Content-Security-Policy (a script file, no inline script), the page
is accessible in both languages, "Remind me" works, and when the countdown
reaches zero the page comes back with the buy button."""

from datetime import timedelta

import pytest
from django.utils import timezone

from offers.models import Reminder

from ..factories import OfferFactory, UserFactory
from .test_journeys import log_in

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def test_the_countdown_runs_and_the_buy_button_opens_at_the_start(visitor):
    later = OfferFactory(title="Dim sum flash", sale_starts_at=timezone.now() + timedelta(hours=2))
    shopper = UserFactory(email="early@e2e.example")
    person = visitor("coming")
    for lang in ("en", "zh-hans"):
        person.go(f"/deals/{later.pk}/?lang={lang}")
        person.check_accessibility(f"coming deal ({lang})")
    log_in(person, shopper.email)
    # Made only now, so the slow steps above do not eat its few seconds.
    offer = OfferFactory(
        title="Flash deal: wagyu hotpot", sale_starts_at=timezone.now() + timedelta(seconds=6)
    )
    person.go(f"/deals/{offer.pk}/?lang=en")
    timer = person.page.locator("[data-countdown-seconds]")
    first = timer.inner_text()
    assert first.startswith("00:00:0"), first
    person.page.get_by_role("button", name="Remind me").click()
    assert Reminder.objects.filter(user=shopper, offer=offer).count() == 1
    person.page.wait_for_function(
        "(first) => { const t = document.querySelector('[data-countdown-seconds]');"
        " return !t || t.textContent !== first; }",
        arg=first,
        timeout=5000,
    )
    # At zero the page loads again, from the server: now with the buy button.
    person.page.get_by_role("link", name="Buy now").wait_for(timeout=20000)
    assert person.page.locator("[data-countdown-seconds]").count() == 0
    assert person.foreign == []
    assert person.accessibility == []
