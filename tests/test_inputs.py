"""Whatever a client sends as a number or an id, however absurd (past what
the database holds, Unicode digits, floats), gets a 4xx with a code and
changes nothing. Numbers past 64 bits only fail in the database (PostgreSQL:
"integer out of range"; SQLite: OverflowError), so .ci/run runs this module
on both."""

import inspect

import pytest
from django import forms
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

import dashboard.forms
import merchants.forms
import orders.forms
from merchants.models import Membership
from notifications.models import Notification
from notifications.services import notify
from o2o.forms import IdModelChoiceField, IdModelMultipleChoiceField
from o2o.http import MAX_ID, parse_id, parse_int
from offers.models import Offer
from orders.models import Order, RedeemFailures, Redemption
from reviews.models import Review

from .factories import MembershipFactory, MerchantFactory, UserFactory, make_voucher

pytestmark = pytest.mark.django_db

PAST_BIGINT = 10**20  # the 100000000000000000000
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def arabic(number: int) -> str:
    """The number in Arabic-Indic digits: int() reads them, our pages never send them."""
    return str(number).translate(ARABIC_INDIC)


def api(user):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()
    assert response.json()["detail"]


# --- the one parser -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (7, 7),
        ("7", 7),
        ("007", 7),
        ("-3", -3),
        (PAST_BIGINT, PAST_BIGINT),
        ("9" * 30, int("9" * 30)),
        ("9" * 31, None),  # no client of ours sends 31 digits; int() on 10**5 would be work
        ("²", None),  # "²".isdigit() is True, int("²") raises
        ("١", None),  # int("١") is 1
        ("1_000", None),
        (" 7", None),
        ("7\n", None),
        ("1.0", None),
        (1.0, None),
        (True, None),
        (None, None),
        ("", None),
        ([7], None),
    ],
)
def test_a_whole_number_is_ascii_digits_or_a_json_integer(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1, 1), (str(MAX_ID), MAX_ID), (MAX_ID + 1, None), (0, None), (-1, None), ("²", None)],
)
def test_an_id_is_a_whole_number_from_1_to_the_largest_bigint(raw, expected):
    assert parse_id(raw) == expected


# --- the API --------------------------------------------------------------------


def bad_ids(offer_pk):
    return [PAST_BIGINT, str(PAST_BIGINT), MAX_ID + 1, "²", arabic(offer_pk), 0, -1, True, 1.5]


def test_an_order_for_an_offer_that_cannot_exist_is_offer_not_found(consumer, offer):
    client = api(consumer)
    for bad in bad_ids(offer.pk):
        response = client.post("/api/v1/orders/", {"offer": bad, "quantity": 1}, format="json")
        refused(response, 404, "offer_not_found")
    assert not Order.objects.exists()
    offer.refresh_from_db()
    assert offer.stock_left == offer.stock


def test_a_quantity_in_other_digits_is_invalid_quantity(consumer, offer):
    response = api(consumer).post(
        "/api/v1/orders/", {"offer": offer.pk, "quantity": arabic(2)}, format="json"
    )
    refused(response, 400, "invalid_quantity")
    assert not Order.objects.exists()


@pytest.mark.parametrize("bad", [PAST_BIGINT, -PAST_BIGINT, 0, "²", "١", "1.5", "1e400"])
def test_the_offers_api_refuses_a_merchant_filter_that_is_no_id(consumer, offer, bad):
    response = APIClient(raise_request_exception=False).get("/api/v1/offers/", {"merchant": bad})
    refused(response, 400, "invalid")
    assert list(response.json()["errors"]) == ["merchant"]


def test_the_merchant_filter_still_finds_the_merchants_offers(offer):
    other = MerchantFactory()
    listed = APIClient().get("/api/v1/offers/", {"merchant": offer.merchant_id}).json()
    assert [item["id"] for item in listed["results"]] == [offer.pk]
    assert APIClient().get("/api/v1/offers/", {"merchant": other.pk}).json()["count"] == 0


def test_a_redemption_at_a_store_that_cannot_exist_is_invalid_and_counts_nothing(cashier, offer):
    voucher = make_voucher(UserFactory(), offer)
    client = api(cashier)
    for bad in (PAST_BIGINT, MAX_ID + 1, "²", 0):
        response = client.post(
            "/api/v1/redemptions/", {"code": voucher.code, "store": bad}, format="json"
        )
        refused(response, 400, "invalid")
        assert list(response.json()["errors"]) == ["store"]
    assert not Redemption.objects.exists()
    assert not RedeemFailures.objects.exists()
    voucher.refresh_from_db()
    assert voucher.uses_left == voucher.uses_allowed


def test_a_review_of_a_voucher_that_cannot_exist_is_invalid(consumer):
    response = api(consumer).post(
        "/api/v1/reviews/", {"voucher": PAST_BIGINT, "rating": 5, "text": "Great"}, format="json"
    )
    refused(response, 400, "invalid")
    assert not Review.objects.exists()


# --- pages ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [str(PAST_BIGINT), "²", "1.5"])
def test_the_deal_list_refuses_a_merchant_filter_that_is_no_id(client, offer, bad):
    response = client.get(reverse("offers:list"), {"merchant": bad})
    assert response.status_code == 400
    assert "Merchant: Not a valid id." in response.content.decode()


@pytest.fixture
def two_merchants_staff(offer):
    """An owner of the offer's merchant who is a cashier at a second one."""
    user = MembershipFactory(merchant=offer.merchant, role=Membership.Role.OWNER).user
    second = MembershipFactory(user=user, role=Membership.Role.CASHIER).merchant
    return user, second


@pytest.mark.parametrize("bad", ["²", str(PAST_BIGINT), "abc", ""])
def test_switching_to_a_merchant_that_is_no_id_is_refused(client, two_merchants_staff, bad):
    user, _second = two_merchants_staff
    client.force_login(user)
    response = client.post(reverse("merchants:switch"), {"merchant": bad})
    assert response.status_code == 404
    page = response.content.decode()
    assert "You are not on the staff of this business." in page
    assert 'data-code="merchant_not_found"' in page
    assert "merchant_id" not in client.session


def test_switching_to_someone_elses_merchant_is_refused(client, two_merchants_staff):
    user, _second = two_merchants_staff
    stranger = MerchantFactory()
    client.force_login(user)
    response = client.post(reverse("merchants:switch"), {"merchant": stranger.pk})
    assert response.status_code == 404
    assert "merchant_id" not in client.session


def test_switching_to_ones_other_merchant_works(client, two_merchants_staff):
    user, second = two_merchants_staff
    client.force_login(user)
    response = client.post(reverse("merchants:switch"), {"merchant": second.pk})
    assert response.status_code == 302
    assert client.session["merchant_id"] == second.pk
    assert second.name in client.get(reverse("merchants:dashboard")).content.decode()


@pytest.fixture
def two_unread(consumer):
    return [
        notify(user=consumer, kind="info", key=f"test:{n}", title=f"Note {n}", email=False)
        for n in (1, 2)
    ]


@pytest.mark.parametrize("bad", ["²", str(PAST_BIGINT), "-1", "abc"])
def test_marking_a_notification_that_is_no_id_read_marks_nothing(client, consumer, two_unread, bad):
    client.force_login(consumer)
    response = client.post(reverse("notifications:mark_read"), {"id": bad})
    assert response.status_code == 404
    assert 'data-code="notification_not_found"' in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_marking_one_notification_read_leaves_the_others(client, consumer, two_unread):
    client.force_login(consumer)
    client.post(reverse("notifications:mark_read"), {"id": two_unread[0].pk})
    assert list(Notification.objects.filter(read_at__isnull=True)) == [two_unread[1]]


def test_an_offer_usable_at_a_store_that_cannot_exist_is_a_form_error(client, owner, store):
    client.force_login(owner)
    response = client.post(
        reverse("merchants:offer_new"),
        {
            "category": store.merchant.category.pk,
            "title": "New spa day",
            "price": "99",
            "list_price": "199",
            "validity_days": 30,
            "uses_per_voucher": 1,
            "stores": [str(PAST_BIGINT)],
        },
    )
    assert response.status_code == 400
    assert f"“{PAST_BIGINT}” is not a valid value." in response.content.decode()
    assert Offer.objects.filter(title="New spa day").count() == 0


@pytest.mark.parametrize("bad", [str(PAST_BIGINT), "²"])
def test_redeeming_at_a_store_that_is_no_id_is_a_form_error(client, cashier, offer, bad):
    voucher = make_voucher(UserFactory(), offer)
    client.force_login(cashier)
    response = client.post(reverse("merchants:redeem"), {"store": bad, "code": voucher.code})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Redemption.objects.exists()


def _forms_of(*modules):
    for module in modules:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_choice_of_a_row_by_id_in_our_forms_checks_the_id_first():
    """Django's own choice fields send whatever was posted to the database
    (on SQLite an IN list past 64 bits is a 500): ours parse it first."""
    for form in _forms_of(dashboard.forms, merchants.forms, orders.forms):
        for name, field in form.base_fields.items():
            if isinstance(field, forms.ModelChoiceField) and field.to_field_name is None:
                assert isinstance(field, IdModelChoiceField | IdModelMultipleChoiceField), (
                    f"{form.__name__}.{name} is a {type(field).__name__}"
                )
