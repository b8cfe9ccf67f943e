"""API v1: the contract mobile apps and point-of-sale devices rely on."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.orders import OrderOutput, RedemptionOutput, VoucherOutput
from offers.models import Offer
from orders import throttle
from orders.codes import check_symbol, format_code
from orders.models import Order, RedeemFailures, Redemption, Voucher
from orders.services import redemption_undo, voucher_redeem
from orders.throttle import parse_rate

from ..factories import (
    MembershipFactory,
    OfferFactory,
    StoreFactory,
    UserFactory,
    make_cashier,
    make_order,
    make_paid_order,
    make_voucher,
)

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}"
        )
    return client


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()
    assert response.json()["detail"]


def test_the_whole_funnel_through_the_api(offer, store):
    anon = api()
    token = anon.post(
        "/api/v1/auth/register/", {"email": "app@example.com", "password": "long-pass-2026"}
    ).json()["token"]
    again = anon.post(
        "/api/v1/auth/token/", {"email": "APP@example.com", "password": "long-pass-2026"}
    )
    assert again.json()["token"] == token
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert me.get("/api/v1/me/").json() == {"email": "app@example.com", "memberships": []}

    listed = me.get("/api/v1/offers/", {"q": offer.title}).json()
    assert listed["count"] == 1
    item = listed["results"][0]
    assert {
        k: item[k]
        for k in (
            "id",
            "price",
            "list_price",
            "currency",
            "merchant",
            "stores",
            "stock_left",
            "limit_per_user",
            "sold_count",
        )
    } == {
        "id": offer.pk,
        "price": "198.00",
        "list_price": "268.00",
        "currency": "CNY",
        "merchant": offer.merchant_id,
        "stores": [store.pk],
        "stock_left": None,
        "limit_per_user": None,
        "sold_count": 0,
    }

    created = me.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 2}, format="json")
    assert created.status_code == 201
    assert created.json()["status"] == "pending_payment"
    assert created.json()["total"] == "396.00"
    paid = me.post(f"/api/v1/orders/{created.json()['id']}/pay/").json()
    assert paid["status"] == "paid"
    assert len(paid["vouchers"]) == 2

    vouchers = me.get("/api/v1/vouchers/").json()["results"]
    assert {v["status"] for v in vouchers} == {"issued"}
    code = vouchers[0]["code"]
    assert vouchers[0]["code_display"] == format_code(code)

    cashier = make_cashier(offer.merchant)
    pos = api(cashier)
    assert pos.get("/api/v1/me/").json()["memberships"][0]["stores"] == [store.pk]
    redeemed = pos.post(
        "/api/v1/redemptions/", {"code": format_code(code), "store": store.pk}, format="json"
    )
    assert redeemed.status_code == 201
    assert redeemed.json()["uses_left"] == 0
    refused(
        pos.post("/api/v1/redemptions/", {"code": code, "store": store.pk}, format="json"),
        409,
        "already_redeemed",
    )

    voucher_id = next(v["id"] for v in vouchers if v["code"] == code)
    review = me.post(
        "/api/v1/reviews/", {"voucher": voucher_id, "rating": 5, "text": "Great"}, format="json"
    )
    assert review.status_code == 201
    other = next(v["id"] for v in vouchers if v["code"] != code)
    refund = me.post(f"/api/v1/vouchers/{other}/refund/")
    assert refund.json()["status"] == "refunded"


def test_filters_sorts_and_merchant(offer):
    cheap = OfferFactory(price=Decimal("10"), list_price=Decimal("20"))
    client = api()
    ids = [o["id"] for o in client.get("/api/v1/offers/", {"sort": "price"}).json()["results"]]
    assert ids == [cheap.pk, offer.pk]
    assert [
        o["id"]
        for o in client.get("/api/v1/offers/", {"merchant": cheap.merchant_id}).json()["results"]
    ] == [cheap.pk]
    assert client.get("/api/v1/offers/", {"price_max": 50}).json()["count"] == 1
    refused(client.get("/api/v1/offers/", {"sort": "random"}), 400, "invalid")
    refused(client.get("/api/v1/offers/", {"price_min": "cheap"}), 400, "invalid")


def test_hidden_offers_are_not_found():
    paused = OfferFactory(status=Offer.Status.PAUSED)
    refused(api().get(f"/api/v1/offers/{paused.pk}/"), 404, "not_found")
    refused(api().get("/api/v1/offers/999999/"), 404, "not_found")


def test_unauthenticated_calls_get_401():
    for method, url in (
        ("get", "/api/v1/orders/"),
        ("post", "/api/v1/orders/"),
        ("get", "/api/v1/vouchers/"),
        ("get", "/api/v1/me/"),
    ):
        refused(getattr(api(), method)(url), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"offer": 999999, "quantity": 1}, 404, "offer_not_found"),
        ({"offer": "abc", "quantity": 1}, 404, "offer_not_found"),
        ({"quantity": -1}, 400, "invalid_quantity"),
        ({"quantity": 0}, 400, "invalid_quantity"),
        ({"quantity": 10**12}, 400, "invalid_quantity"),
        ({"quantity": "two"}, 400, "invalid_quantity"),
        ({"quantity": None}, 400, "invalid_quantity"),
    ],
)
def test_bad_order_input_changes_nothing(consumer, body, status, code):
    offer = OfferFactory(stock=5)
    body = {"offer": offer.pk, **body}
    refused(api(consumer).post("/api/v1/orders/", body, format="json"), status, code)
    offer.refresh_from_db()
    assert offer.stock_left == 5
    assert not Order.objects.exists()


def test_an_order_without_an_offer_is_refused(consumer):
    refused(api(consumer).post("/api/v1/orders/", {"quantity": 1}, format="json"), 400, "invalid")


def test_a_json_list_body_is_a_400_not_a_500(consumer):
    refused(api(consumer).post("/api/v1/orders/", [1, 2], format="json"), 400, "invalid")


def test_sold_out_paused_and_over_limit(consumer):
    flash = OfferFactory(stock=1)
    api(UserFactory()).post("/api/v1/orders/", {"offer": flash.pk, "quantity": 1}, format="json")
    refused(
        api(consumer).post("/api/v1/orders/", {"offer": flash.pk, "quantity": 1}, format="json"),
        409,
        "sold_out",
    )
    paused = OfferFactory(status=Offer.Status.PAUSED)
    refused(
        api(consumer).post("/api/v1/orders/", {"offer": paused.pk, "quantity": 1}, format="json"),
        409,
        "offer_not_available",
    )
    limited = OfferFactory(limit_per_user=1)
    refused(
        api(consumer).post("/api/v1/orders/", {"offer": limited.pk, "quantity": 2}, format="json"),
        409,
        "limit_exceeded",
    )


def test_a_flash_deals_late_buyers_are_refused_before_anything_else(
    consumer, django_assert_num_queries
):
    flash = OfferFactory(stock=1)
    body = {"offer": flash.pk, "quantity": 1}
    assert api(UserFactory()).post("/api/v1/orders/", body, format="json").status_code == 201
    refused(api(consumer).post("/api/v1/orders/", body, format="json"), 409, "sold_out")
    late = api(UserFactory())
    with django_assert_num_queries(0):  # not even the token is read
        refused(late.post("/api/v1/orders/", body, format="json"), 409, "sold_out")
    # That a deal is sold out is public; anything else still needs a login.
    refused(APIClient().post("/api/v1/orders/", body, format="json"), 409, "sold_out")
    other = {"offer": OfferFactory().pk, "quantity": 1}
    assert APIClient().post("/api/v1/orders/", other, format="json").status_code == 401


def test_consumers_see_only_their_own_orders_and_vouchers(offer):
    voucher = make_voucher(UserFactory(), offer)
    stranger = api(UserFactory())
    refused(stranger.get(f"/api/v1/orders/{voucher.order_id}/"), 404, "not_found")
    refused(stranger.post(f"/api/v1/orders/{voucher.order_id}/pay/"), 404, "order_not_found")
    refused(stranger.post(f"/api/v1/vouchers/{voucher.pk}/refund/"), 404, "voucher_not_found")
    assert stranger.get("/api/v1/orders/").json()["count"] == 0
    assert stranger.get("/api/v1/vouchers/").json()["count"] == 0
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


def test_redemption_refusals(offer, store, consumer):
    voucher = make_voucher(consumer, offer)
    cashier = api(make_cashier(offer.merchant))
    refused(
        cashier.post("/api/v1/redemptions/", {"code": "nope", "store": store.pk}, format="json"),
        400,
        "malformed_code",
    )
    unknown = "00000000000" + check_symbol("00000000000")
    refused(
        cashier.post("/api/v1/redemptions/", {"code": unknown, "store": store.pk}, format="json"),
        404,
        "unknown_code",
    )
    refused(
        cashier.post(
            "/api/v1/redemptions/", {"code": voucher.code, "store": 999999}, format="json"
        ),
        404,
        "store_not_found",
    )
    refused(
        cashier.post("/api/v1/redemptions/", {"store": store.pk}, format="json"), 400, "invalid"
    )
    refused(
        api(consumer).post(
            "/api/v1/redemptions/", {"code": voucher.code, "store": store.pk}, format="json"
        ),
        403,
        "not_your_merchant",
    )
    other = StoreFactory()
    stranger = api(MembershipFactory(merchant=other.merchant).user)
    refused(
        stranger.post(
            "/api/v1/redemptions/", {"code": voucher.code, "store": other.pk}, format="json"
        ),
        403,
        "not_your_merchant",
    )
    elsewhere = StoreFactory(merchant=offer.merchant)
    refused(
        cashier.post(
            "/api/v1/redemptions/", {"code": voucher.code, "store": elsewhere.pk}, format="json"
        ),
        409,
        "not_usable_at_store",
    )
    assert not Redemption.objects.exists()


def test_wrong_codes_are_throttled_with_429(offer, store):
    voucher = make_voucher(UserFactory(), offer)
    cashier = api(make_cashier(offer.merchant))
    for i in range(10):
        payload = f"{i:011d}"
        cashier.post(
            "/api/v1/redemptions/",
            {"code": payload + check_symbol(payload), "store": store.pk},
            format="json",
        )
    refused(
        cashier.post(
            "/api/v1/redemptions/", {"code": voucher.code, "store": store.pk}, format="json"
        ),
        429,
        "too_many_attempts",
    )


def _wrong_code(i):
    payload = f"{i:011d}"
    return payload + check_symbol(payload)


def _no_membership(offer, store):
    return UserFactory(), "not_your_merchant"


def _staff_of_another_merchant(offer, store):
    return MembershipFactory(merchant=StoreFactory().merchant).user, "not_your_merchant"


def _cashier_of_another_store(offer, store):
    membership = MembershipFactory(merchant=offer.merchant, role="cashier")
    membership.stores.set([StoreFactory(merchant=offer.merchant)])
    return membership.user, "not_your_store"


@pytest.mark.parametrize(
    "outsider", [_no_membership, _staff_of_another_merchant, _cashier_of_another_store]
)
def test_an_outsider_cannot_close_a_stores_wrong_code_window(offer, store, outsider):
    """Wrong codes from someone who may not redeem at the store are refused
    before they are looked up or counted, so the store's cashiers are not locked out."""
    user, refusal = outsider(offer, store)
    attacker = api(user)
    for i in range(15):
        code = _wrong_code(i) if i % 3 else "not-a-code"
        response = attacker.post(
            "/api/v1/redemptions/", {"code": code, "store": store.pk}, format="json"
        )
        refused(response, 403, refusal)
    assert not RedeemFailures.objects.exists()

    voucher = make_voucher(UserFactory(), offer)
    cashier = api(make_cashier(offer.merchant))
    redeemed = cashier.post(
        "/api/v1/redemptions/", {"code": voucher.code, "store": store.pk}, format="json"
    )
    assert redeemed.status_code == 201, redeemed.content


@pytest.mark.parametrize("outsider", [_no_membership, _staff_of_another_merchant])
def test_an_outsider_hears_the_same_refusal_for_a_valid_code_as_for_a_wrong_one(
    offer, store, outsider
):
    voucher = make_voucher(UserFactory(), offer)
    user, _refusal = outsider(offer, store)
    attacker = api(user)
    answers = [
        attacker.post("/api/v1/redemptions/", {"code": code, "store": store.pk}, format="json")
        for code in (voucher.code, format_code(voucher.code), _wrong_code(1), "nope")
    ]
    assert {(a.status_code, a.content) for a in answers} == {(403, answers[0].content)}, (
        "the answer must not depend on the code"
    )
    assert answers[0].json()["code"] == "not_your_merchant"
    voucher.refresh_from_db()
    assert (voucher.status, voucher.uses_left) == (Voucher.Status.ISSUED, 1)
    assert not Redemption.objects.exists()


def test_an_outsider_asking_for_an_unknown_store_is_told_it_does_not_exist(offer):
    refused(
        api(UserFactory()).post(
            "/api/v1/redemptions/", {"code": "nope", "store": 999_999}, format="json"
        ),
        404,
        "store_not_found",
    )


def test_a_cashier_limited_to_one_store_cannot_undo_a_redemption_at_another(offer, store):
    second = StoreFactory(merchant=offer.merchant)
    offer.stores.add(second)
    voucher = make_voucher(UserFactory(), offer)
    everywhere = api(make_cashier(offer.merchant))
    redemption = everywhere.post(
        "/api/v1/redemptions/", {"code": voucher.code, "store": second.pk}, format="json"
    ).json()
    membership = MembershipFactory(merchant=offer.merchant, role="cashier")
    membership.stores.set([store])
    refused(
        api(membership.user).post(f"/api/v1/redemptions/{redemption['id']}/undo/"),
        403,
        "not_your_store",
    )
    voucher.refresh_from_db()
    assert (voucher.status, voucher.uses_left) == (Voucher.Status.REDEEMED, 0)
    assert Redemption.objects.get().undone_at is None


def test_me_lists_the_open_stores_where_each_member_may_redeem(offer, store):
    closed = StoreFactory(merchant=offer.merchant, is_active=False)
    second = StoreFactory(merchant=offer.merchant)
    limited = MembershipFactory(merchant=offer.merchant, role="cashier")
    limited.stores.set([store, closed])
    owner = MembershipFactory(merchant=offer.merchant, role="owner")
    for membership, stores in ((limited, [store.pk]), (owner, sorted([store.pk, second.pk]))):
        (listed,) = api(membership.user).get("/api/v1/me/").json()["memberships"]
        assert sorted(listed["stores"]) == stores, membership.role


def test_the_throttle_window_ends_and_lets_the_cashier_in_again(
    offer, store, settings, monkeypatch
):
    settings.REDEEM_FAILURE_RATE = "2/10m"
    clock = [600.0 * 1000]  # the start of a window, on a clock the test moves
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: clock[0]))
    cashier = api(make_cashier(offer.merchant))
    wrong = {"code": "00000000000" + check_symbol("00000000000"), "store": store.pk}
    for _ in range(2):
        refused(cashier.post("/api/v1/redemptions/", wrong, format="json"), 404, "unknown_code")
    refused(cashier.post("/api/v1/redemptions/", wrong, format="json"), 429, "too_many_attempts")
    clock[0] += 600  # the next window
    refused(cashier.post("/api/v1/redemptions/", wrong, format="json"), 404, "unknown_code")


def test_malformed_codes_count_too_and_old_windows_are_forgotten(offer, store, settings):
    settings.REDEEM_FAILURE_RATE = "3/10m"
    user = make_cashier(offer.merchant)
    RedeemFailures.objects.create(scope=f"staff:{user.pk}", window=1, count=99)  # long ago
    cashier = api(user)
    for _ in range(3):
        response = cashier.post("/api/v1/redemptions/", {"code": "nope", "store": store.pk})
        refused(response, 400, "malformed_code")
    response = cashier.post("/api/v1/redemptions/", {"code": "nope", "store": store.pk})
    refused(response, 429, "too_many_attempts")
    counts = dict(RedeemFailures.objects.values_list("scope", "count"))
    assert counts == {f"staff:{user.pk}": 3, f"store:{store.pk}": 3}


def test_a_bad_throttle_rate_is_refused_at_once():
    assert parse_rate("10/10m") == (10, 600)
    assert parse_rate("5/h") == (5, 3600)
    with pytest.raises(ValueError, match="looks like"):
        parse_rate("ten a minute")


def test_undo_through_the_api(offer, store):
    voucher = make_voucher(UserFactory(), offer)
    cashier = api(make_cashier(offer.merchant))
    redemption = cashier.post(
        "/api/v1/redemptions/", {"code": voucher.code, "store": store.pk}, format="json"
    ).json()
    undone = cashier.post(f"/api/v1/redemptions/{redemption['id']}/undo/")
    assert undone.json()["uses_left"] == 1
    refused(cashier.post(f"/api/v1/redemptions/{redemption['id']}/undo/"), 409, "already_undone")


def test_orders_serialised_one_after_another_each_read_as_themselves(consumer, offer):
    # The output's fields are built once (o2o.api.FieldsBuiltOnce) and shared.
    paid = make_paid_order(consumer, offer, 2)
    new = make_order(UserFactory(), OfferFactory(price=Decimal("5.5")), 1)
    first, second = OrderOutput(paid), OrderOutput(new)
    assert first.fields is second.fields
    assert (first.data["id"], second.data["id"]) == (paid.pk, new.pk)
    assert (first.data["total"], second.data["total"]) == (str(paid.total), "5.50")
    assert [v["order"] for v in first.data["vouchers"]] == [paid.pk, paid.pk]
    assert second.data["vouchers"] == []

    class DrfVoucher(serializers.ModelSerializer):  # the same fields, built DRF's way
        code_display = serializers.SerializerMethodField()
        offer_title = serializers.CharField(source="offer.title")
        get_code_display = VoucherOutput.get_code_display

        class Meta(VoucherOutput.Meta):
            pass

    class DrfBuilt(serializers.ModelSerializer):
        vouchers = DrfVoucher(many=True, read_only=True)

        class Meta(OrderOutput.Meta):
            pass

    for order in (paid, new):
        assert OrderOutput(order).data == DrfBuilt(order).data


def test_a_redemption_reads_the_same_as_its_declared_schema(offer, store):
    cashier = make_cashier(offer.merchant)
    voucher = make_voucher(UserFactory(), offer)
    redemption = voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    undone = redemption_undo(redemption_id=redemption.pk, by=cashier)
    for instance in (redemption, undone):
        output = RedemptionOutput(instance)
        # The hand-written representation against DRF's field-by-field one.
        assert output.data == serializers.Serializer.to_representation(output, instance)


@pytest.mark.parametrize(("rating", "code"), [(0, "invalid_rating"), (6, "invalid_rating")])
def test_review_refusals(consumer, offer, rating, code):
    voucher = make_voucher(consumer, offer)
    client = api(consumer)
    refused(
        client.post(
            "/api/v1/reviews/",
            {"voucher": voucher.pk, "rating": rating, "text": "x"},
            format="json",
        ),
        400,
        code,
    )
    refused(
        client.post(
            "/api/v1/reviews/", {"voucher": voucher.pk, "rating": 5, "text": "x"}, format="json"
        ),
        409,
        "not_redeemed",
    )
    refused(
        client.post(
            "/api/v1/reviews/", {"voucher": 999999, "rating": 5, "text": "x"}, format="json"
        ),
        404,
        "voucher_not_found",
    )
    refused(client.post("/api/v1/reviews/", {"rating": 5}, format="json"), 400, "invalid")


def test_register_and_token_refusals(consumer):
    client = api()
    refused(
        client.post(
            "/api/v1/auth/register/", {"email": consumer.email, "password": "long-pass-2026"}
        ),
        400,
        "email_taken",
    )
    refused(
        client.post("/api/v1/auth/register/", {"email": "n@example.com", "password": "123"}),
        400,
        "invalid_password",
    )
    refused(
        client.post(
            "/api/v1/auth/register/", {"email": "not-an-email", "password": "long-pass-2026"}
        ),
        400,
        "invalid",
    )
    refused(
        client.post("/api/v1/auth/token/", {"email": consumer.email, "password": "wrong"}),
        400,
        "invalid_credentials",
    )


def test_repeated_wrong_passwords_lock_the_token_endpoint(consumer):
    client = api()
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"email": consumer.email, "password": "wrong"})
    refused(
        client.post("/api/v1/auth/token/", {"email": consumer.email, "password": "test-pass-2026"}),
        429,
        "locked_out",
    )


def test_schema_and_local_docs(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/v1/redemptions/" in schema.json()["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_a_refusal_is_logged_as_information_with_its_code_not_as_a_warning(consumer, caplog):
    sold = OfferFactory(stock=1)
    api(UserFactory()).post("/api/v1/orders/", {"offer": sold.pk, "quantity": 1}, format="json")
    caplog.clear()
    with caplog.at_level("INFO"):
        refused(
            api(consumer).post("/api/v1/orders/", {"offer": sold.pk, "quantity": 1}, format="json"),
            409,
            "sold_out",
        )
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name != "axes"]
    assert logged == [("INFO", "refused sold_out: /api/v1/orders/")]
    caplog.clear()
    with caplog.at_level("INFO"):
        api(consumer).get("/api/v1/no-such-thing/")  # not a refusal: Django's warning stays
    assert any(r.levelname == "WARNING" and r.name == "django.request" for r in caplog.records)
