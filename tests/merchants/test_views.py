"""The merchant dashboard: who may do what, and what a cashier sees."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Membership, Merchant
from offers.models import Offer
from orders.codes import check_symbol, format_code
from orders.models import Redemption, Voucher
from orders.services import voucher_redeem, voucher_refund

from ..factories import (
    CategoryFactory,
    CityFactory,
    DistrictFactory,
    MembershipFactory,
    OfferFactory,
    StoreFactory,
    UserFactory,
    make_cashier,
    make_voucher,
)

pytestmark = pytest.mark.django_db


def redeem(client, store, code):
    return client.post(reverse("merchants:redeem"), {"store": store.pk, "code": code})


def offer_data(store, **overrides):
    data = {
        "category": store.merchant.category.pk,
        "title": "New spa day",
        "price": "99",
        "list_price": "199",
        "validity_days": 30,
        "uses_per_voucher": 1,
        "stores": [store.pk],
        "refundable": "on",
    }
    data.update(overrides)
    return data


# --- who may do what ------------------------------------------------------------


def test_a_consumer_without_membership_is_sent_to_apply(client, consumer):
    client.force_login(consumer)
    assert client.get(reverse("merchants:dashboard")).url == reverse("merchants:apply")
    assert client.get(reverse("merchants:redeem")).url == reverse("merchants:apply")


def test_cashier_can_redeem_but_not_edit_offers_or_reply(client, cashier, offer, store):
    client.force_login(cashier)
    assert client.get(reverse("merchants:redeem")).status_code == 200
    assert client.get(reverse("merchants:offers")).status_code == 403
    assert client.get(reverse("merchants:offer_new")).status_code == 403
    assert client.post(reverse("merchants:offer_new"), offer_data(store)).status_code == 403
    assert client.get(reverse("merchants:offer_edit", args=[offer.pk])).status_code == 403
    assert client.post(reverse("merchants:offer_pause", args=[offer.pk])).status_code == 403
    assert (
        client.post(reverse("merchants:review_reply", args=[1]), {"text": "x"}).status_code == 403
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.LIVE


def test_another_merchants_offer_is_not_found(client, offer):
    stranger = MembershipFactory(merchant=StoreFactory().merchant).user
    client.force_login(stranger)
    assert client.get(reverse("merchants:offer_edit", args=[offer.pk])).status_code == 404
    assert client.post(reverse("merchants:offer_pause", args=[offer.pk])).status_code == 404
    offer.refresh_from_db()
    assert offer.status == Offer.Status.LIVE


def test_owner_creates_submits_and_pauses_a_deal(client, owner, store, admin_user):
    client.force_login(owner)
    response = client.post(reverse("merchants:offer_new"), offer_data(store, stock="10"))
    offer = Offer.objects.get(title="New spa day")
    assert response.url == reverse("merchants:offer_edit", args=[offer.pk])
    assert offer.status == Offer.Status.DRAFT
    assert offer.stock_left == 10
    client.post(reverse("merchants:offer_submit", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW
    from offers.services import offer_approve

    offer_approve(offer=offer, by=admin_user)
    client.post(reverse("merchants:offer_pause", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PAUSED


def test_offer_form_errors_change_nothing(client, owner, store):
    client.force_login(owner)
    response = client.post(
        reverse("merchants:offer_new"), offer_data(store, price="300", list_price="100")
    )
    assert response.status_code == 400
    assert "list price cannot be below the price" in response.content.decode()
    assert not Offer.objects.filter(title="New spa day").exists()


def test_only_own_stores_can_be_chosen(client, owner, store, other_store):
    client.force_login(owner)
    response = client.post(
        reverse("merchants:offer_new"), offer_data(store, stores=[other_store.pk])
    )
    assert response.status_code == 400
    assert not Offer.objects.filter(title="New spa day").exists()


def test_rejection_reason_shows_on_the_merchants_deal_list(client, owner, store, admin_user):
    from offers.services import offer_create, offer_reject, offer_submit

    offer = offer_create(
        merchant=store.merchant,
        by=owner,
        stores=[store],
        category=store.merchant.category,
        title="Blurry",
        price=Decimal("10"),
        list_price=Decimal("20"),
    )
    offer_submit(offer=offer, by=owner)
    offer_reject(offer=offer, by=admin_user, reason="Photos are blurry")
    client.force_login(owner)
    assert "Photos are blurry" in client.get(reverse("merchants:offers")).content.decode()


def test_dashboard_shows_the_funnel(client, owner, offer, store, cashier):
    from orders.services import voucher_redeem

    voucher = make_voucher(UserFactory(), offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    client.force_login(owner)
    response = client.get(reverse("merchants:dashboard"))
    row = next(o for o in response.context["funnel"] if o.pk == offer.pk)
    assert (row.n_orders, row.n_paid_units, row.n_redeemed, row.n_reviews) == (1, 1, 1, 0)
    assert response.context["summary"]["redeemed_today"] == 1


# --- redeeming ----------------------------------------------------------------


def test_cashier_redeems_and_sees_a_green_banner_then_a_refusal(client, cashier, offer, store):
    voucher = make_voucher(UserFactory(), offer)
    client.force_login(cashier)
    response = redeem(client, store, format_code(voucher.code).lower())
    body = response.content.decode()
    assert response.status_code == 200
    assert "result-banner ok" in body
    assert offer.title in body
    response = redeem(client, store, voucher.code)
    assert response.status_code == 409
    assert "already used" in response.content.decode()
    assert Redemption.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("malformed", 400, "not a valid voucher code"),
        ("unknown", 404, "No voucher has this code"),
        ("expired", 409, "expired"),
        ("refunded", 409, "refunded"),
        ("other_merchant", 403, "another merchant"),
        ("other_store", 409, "cannot be used at"),
    ],
)
def test_every_refusal_has_a_clear_reason(client, cashier, offer, store, kind, status, message):
    voucher = make_voucher(UserFactory(), offer)
    code = voucher.code
    at = store
    if kind == "malformed":
        code = "HELLO"
    elif kind == "unknown":
        code = "0000000000A" + check_symbol("0000000000A")
    elif kind == "expired":
        Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(days=1))
    elif kind == "refunded":
        voucher_refund(voucher_id=voucher.pk, by=voucher.user, reason="customer")
    elif kind == "other_merchant":
        code = make_voucher(UserFactory(), OfferFactory()).code
    elif kind == "other_store":
        at = StoreFactory(merchant=offer.merchant)
    client.force_login(cashier)
    response = redeem(client, at, code)
    assert response.status_code == status
    assert "result-banner refused" in response.content.decode()
    assert message in response.content.decode()
    assert not Redemption.objects.exists()


def test_cashier_limited_to_a_store_cannot_pick_another(client, offer, store):
    second = StoreFactory(merchant=offer.merchant)
    membership = MembershipFactory(merchant=offer.merchant, role=Membership.Role.CASHIER)
    membership.stores.set([store])
    voucher = make_voucher(UserFactory(), offer)
    client.force_login(membership.user)
    response = redeem(client, second, voucher.code)
    assert response.status_code == 400  # the form refuses the store
    assert "Select a valid choice" in response.content.decode()
    assert not Redemption.objects.exists()


def test_ten_wrong_codes_pause_redeeming_even_for_a_good_code(client, cashier, offer, store):
    voucher = make_voucher(UserFactory(), offer)
    client.force_login(cashier)
    for i in range(10):
        redeem(client, store, f"{i:011d}" + check_symbol(f"{i:011d}"))
    response = redeem(client, store, voucher.code)
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.uses_left == 1


def test_the_store_is_throttled_for_every_cashier(client, offer, store):
    cashiers = [make_cashier(offer.merchant) for _ in range(2)]
    client.force_login(cashiers[0])
    for i in range(10):
        redeem(client, store, f"{i:011d}" + check_symbol(f"{i:011d}"))
    client.force_login(cashiers[1])
    voucher = make_voucher(UserFactory(), offer)
    assert redeem(client, store, voucher.code).status_code == 429


def test_undo_within_ten_minutes_and_not_after(client, cashier, offer, store):
    voucher = make_voucher(UserFactory(), offer)
    client.force_login(cashier)
    redeem(client, store, voucher.code)
    redemption = Redemption.objects.get()
    client.post(reverse("merchants:redemption_undo", args=[redemption.pk]))
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED
    redeem(client, store, voucher.code)
    late = Redemption.objects.filter(undone_at__isnull=True).get()
    Redemption.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    response = client.post(reverse("merchants:redemption_undo", args=[late.pk]), follow=True)
    assert "within 10 minutes" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.REDEEMED


def _a_redemption_at_each_of_two_stores(offer, store, cashier):
    """Returns the second store, the codes redeemed at each store, and a
    cashier limited to the first store."""
    second = StoreFactory(merchant=offer.merchant)
    offer.stores.add(second)
    here, there = make_voucher(UserFactory(), offer), make_voucher(UserFactory(), offer)
    voucher_redeem(code=here.code, store_id=store.pk, by=cashier)
    voucher_redeem(code=there.code, store_id=second.pk, by=cashier)
    limited = MembershipFactory(merchant=offer.merchant, role=Membership.Role.CASHIER)
    limited.stores.set([store])
    return second, format_code(here.code), format_code(there.code), limited.user


def test_a_cashier_limited_to_one_store_sees_only_its_redemptions(
    client, cashier, owner, offer, store
):
    _second, here, there, limited = _a_redemption_at_each_of_two_stores(offer, store, cashier)
    client.force_login(limited)
    for page in ("merchants:redemptions", "merchants:redeem"):
        body = client.get(reverse(page)).content.decode()
        assert here in body, page
        assert there not in body, page
    client.force_login(owner)
    body = client.get(reverse("merchants:redemptions")).content.decode()
    assert here in body
    assert there in body


def test_a_cashier_limited_to_one_store_cannot_undo_at_another_from_the_dashboard(
    client, cashier, offer, store
):
    second, _here, _there, limited = _a_redemption_at_each_of_two_stores(offer, store, cashier)
    elsewhere = Redemption.objects.get(store_id=second.pk)
    client.force_login(limited)
    response = client.post(reverse("merchants:redemption_undo", args=[elsewhere.pk]), follow=True)
    assert "You are not staff at this store." in response.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.undone_at is None
    assert elsewhere.voucher.status == Voucher.Status.REDEEMED


def test_a_manager_limited_to_one_store_gets_no_merchant_wide_statements(
    client, cashier, owner, offer, store
):
    """A statement lists every store's voucher uses, and cut to one store its
    totals would be wrong: only members of every store see statements."""
    from payments.settlement import statements_close

    _a_redemption_at_each_of_two_stores(offer, store, cashier)
    today = timezone.localdate()
    (statement,) = statements_close(period_start=today - timedelta(days=1), period_end=today)
    manager = MembershipFactory(merchant=offer.merchant, role=Membership.Role.MANAGER)
    manager.stores.set([store])
    client.force_login(manager.user)
    for url in (
        reverse("merchants:statements"),
        reverse("merchants:statement_csv", args=[statement.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only staff of every store can see this" in response.content.decode()
    assert (
        reverse("merchants:statements")
        not in client.get(reverse("merchants:dashboard")).content.decode()
    )
    client.force_login(owner)
    assert (
        reverse("merchants:statements")
        in client.get(reverse("merchants:dashboard")).content.decode()
    )
    assert client.get(reverse("merchants:statement_csv", args=[statement.pk])).status_code == 200


# --- applying -------------------------------------------------------------------


def test_applying_creates_a_pending_merchant_and_shows_its_status(client, consumer):
    city = CityFactory()
    district = DistrictFactory(city=city)
    client.force_login(consumer)
    response = client.post(
        reverse("merchants:apply"),
        {
            "name": "Noodle Bar",
            "category": CategoryFactory().pk,
            "city": city.pk,
            "phone": "021-1234",
            "business_licence": "91310000",
            "store_name": "Main",
            "district": district.pk,
            "address": "1 Road",
            "latitude": "31.2",
            "longitude": "121.4",
        },
    )
    assert response.status_code == 302
    merchant = Merchant.objects.get(name="Noodle Bar")
    assert merchant.status == Merchant.Status.PENDING
    assert "waiting for review" in client.get(reverse("merchants:apply")).content.decode()


def _png(name):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_owner_uploads_a_cover_and_gallery_photos(client, owner, store):
    client.force_login(owner)
    data = offer_data(store, image=_png("cover.png"), gallery=[_png("a.png"), _png("b.png")])
    client.post(reverse("merchants:offer_new"), data)
    offer = Offer.objects.get(title="New spa day")
    assert offer.image.name.endswith(".jpg")  # an opaque PNG is stored as a JPEG
    assert offer.images.count() == 2
    client.post(
        reverse("merchants:offer_edit", args=[offer.pk]),
        offer_data(store, gallery=[_png("c.png")]),
    )
    assert offer.images.count() == 3
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert body.count("offers/") >= 3


def test_a_text_file_is_not_an_image(client, owner, store):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner)
    response = client.post(
        reverse("merchants:offer_new"),
        offer_data(store, gallery=[SimpleUploadedFile("x.png", b"not an image")]),
    )
    assert response.status_code == 400
    assert not Offer.objects.filter(title="New spa day").exists()


def test_owner_adds_and_edits_a_store_cashier_cannot(client, owner, cashier, store, other_store):
    client.force_login(cashier)
    assert client.get(reverse("merchants:stores")).status_code == 403
    client.force_login(owner)
    data = {
        "name": "Riverside",
        "district": store.district_id,
        "address": "9 Bund",
        "latitude": "31.24",
        "longitude": "121.49",
        "phone": "021-1",
        "hours": "9–5",
        "is_active": "on",
    }
    client.post(reverse("merchants:store_new"), data)
    riverside = store.merchant.stores.get(name="Riverside")
    client.post(reverse("merchants:store_edit", args=[riverside.pk]), {**data, "hours": "10–6"})
    riverside.refresh_from_db()
    assert riverside.hours == "10–6"
    assert client.get(reverse("merchants:store_edit", args=[other_store.pk])).status_code == 404
