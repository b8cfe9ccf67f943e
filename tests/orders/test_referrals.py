"""Referral rewards (邀请有礼): a friend who signs up through a customer's
share link and pays a first order earns a coupon, and so does the customer;
once per friend, ever, and never for one person's own second account."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import User, UserNetwork, mailbox_of, network_of
from notifications.models import Notification
from orders import services
from orders.models import Coupon, Order, ReferralReward
from orders.services.referrals import referral_reward_withdraw

from ..factories import (
    PASSWORD,
    CouponCampaignFactory,
    OfferFactory,
    UserFactory,
    make_order,
    make_paid_order,
    pay,
)

pytestmark = pytest.mark.django_db

HOME = "10.0.0.1"


@pytest.fixture
def reward():
    """The platform's referral campaign: ¥20 each, up to 3 rewards a referrer."""
    return CouponCampaignFactory(
        title="Invite a friend", claimable=False, grant_on_referral=True, per_user_limit=3
    )


@pytest.fixture
def referrer():
    user = UserFactory(email="mei@example.com")
    account_services.user_seen_from(user=user, address=HOME, at_signup=True)
    return user


def friend_of(referrer, *, email=None, address="10.0.0.9"):
    return account_services.user_register(
        email=email or f"friend{User.objects.count()}@example.com",
        password=PASSWORD,
        referrer=referrer,
        address=address,
    )


def first_paid_order(user, on_commit, **kwargs):
    """Pay an order of `user` and run what waits for the commit (the reward's task)."""
    with on_commit(execute=True):
        return make_paid_order(user, OfferFactory(**kwargs))


def referral_coupons(user):
    return list(Coupon.objects.filter(user=user, source=Coupon.Source.REFERRAL))


# --- the reward ---------------------------------------------------------------------


def test_a_friends_first_paid_order_gives_both_a_coupon(
    reward, referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer)
    assert friend.referred_by == referrer
    order = first_paid_order(friend, django_capture_on_commit_callbacks)
    decided = ReferralReward.objects.get()
    assert (decided.referrer, decided.referred, decided.order) == (referrer, friend, order)
    assert decided.outcome == ReferralReward.Outcome.GRANTED
    [mine] = referral_coupons(referrer)
    [theirs] = referral_coupons(friend)
    assert mine.campaign == theirs.campaign == reward
    assert (decided.referrer_coupon, decided.friend_coupon) == (mine, theirs)
    told = {n.user: n.title for n in Notification.objects.filter(kind="referral_rewarded")}
    assert told == {
        referrer: "Your friend made their first order: a coupon for you",
        friend: "A coupon for your first order",
    }


def test_signing_up_earns_nothing_until_the_first_order_is_paid(
    reward, referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(friend, OfferFactory())  # ordered, never paid
    assert not referral_coupons(referrer)
    assert not ReferralReward.objects.exists()


def test_one_reward_per_friend_ever(reward, referrer, django_capture_on_commit_callbacks):
    friend = friend_of(referrer)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    services.referral_reward(order_id=Order.objects.filter(user=friend).last().pk)  # a retry
    assert ReferralReward.objects.count() == 1
    assert len(referral_coupons(referrer)) == 1
    assert len(referral_coupons(friend)) == 1


def test_a_customer_who_signed_up_alone_earns_nobody_anything(
    reward, django_capture_on_commit_callbacks
):
    alone = account_services.user_register(email="solo@example.com", password=PASSWORD)
    first_paid_order(alone, django_capture_on_commit_callbacks)
    assert not ReferralReward.objects.exists()
    assert not Coupon.objects.filter(source=Coupon.Source.REFERRAL).exists()


def test_the_reward_is_decided_after_the_payment_commits(reward, referrer):
    """Apart from the payment: its transaction never waits on the reward's locks."""
    friend = friend_of(referrer)
    make_paid_order(friend, OfferFactory())  # the commit never comes in this test
    assert not ReferralReward.objects.exists()


def test_the_coupons_take_money_off_the_next_orders(
    reward, referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    offer = OfferFactory(price=Decimal("88.00"))
    [coupon] = referral_coupons(referrer)
    order = services.order_create(user=referrer, offer_id=offer.pk, quantity=1, coupon_id=coupon.pk)
    assert (order.subtotal, order.discount, order.total) == (
        Decimal("88.00"),
        Decimal("20.00"),
        Decimal("68.00"),
    )
    pay(order)


# --- one person, two accounts -------------------------------------------------------


@pytest.mark.parametrize("email", ["mei+2@example.com", "Mei+shop@Example.com"])
def test_an_alias_of_the_referrers_mailbox_is_the_same_person(
    reward, referrer, email, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer, email=email)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    decided = ReferralReward.objects.get()
    assert (decided.outcome, decided.reason) == ("refused", "same_person")
    assert not Coupon.objects.filter(source=Coupon.Source.REFERRAL).exists()
    assert not Notification.objects.filter(kind="referral_rewarded").exists()


def test_gmail_dots_and_tags_are_one_mailbox():
    assert mailbox_of("Li.Mei+deals@gmail.com") == mailbox_of("limei@googlemail.com")
    assert mailbox_of("li.mei@example.com") != mailbox_of("limei@example.com")


def test_signing_up_from_the_referrers_network_earns_nothing(
    reward, referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer, address=HOME)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    assert ReferralReward.objects.get().reason == "same_network"
    assert not referral_coupons(referrer)
    assert not referral_coupons(friend)


def test_a_network_the_referrer_logged_in_from_counts(
    client, reward, referrer, django_capture_on_commit_callbacks
):
    client.post(
        reverse("accounts:login"),
        {"email": referrer.email, "password": PASSWORD},
        REMOTE_ADDR="2001:db8:1:2::10",
    )
    assert UserNetwork.objects.filter(user=referrer, network="2001:db8:1:2::/64").exists()
    # Another address of the same /64: the same home or phone.
    friend = friend_of(referrer, address="2001:db8:1:2:abcd::99")
    first_paid_order(friend, django_capture_on_commit_callbacks)
    assert ReferralReward.objects.get().reason == "same_network"


def test_two_friends_from_one_network_earn_one_reward(
    reward, referrer, django_capture_on_commit_callbacks
):
    first = friend_of(referrer, address="10.9.9.9")
    second = friend_of(referrer, address="10.9.9.9")
    first_paid_order(first, django_capture_on_commit_callbacks)
    first_paid_order(second, django_capture_on_commit_callbacks)
    outcomes = dict(ReferralReward.objects.values_list("referred_id", "reason"))
    assert outcomes == {first.pk: "", second.pk: "same_network"}
    assert len(referral_coupons(referrer)) == 1


def test_friends_on_different_networks_each_earn_a_reward_up_to_the_limit(
    reward, referrer, django_capture_on_commit_callbacks
):
    friends = [friend_of(referrer, address=f"10.1.{n}.1") for n in range(4)]
    for friend in friends:
        first_paid_order(friend, django_capture_on_commit_callbacks)
    reasons = list(ReferralReward.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons == ["", "", "", "already_claimed"]  # the campaign's limit: 3 a referrer
    assert len(referral_coupons(referrer)) == 3
    assert not referral_coupons(friends[3])  # both coupons or neither


def test_no_reward_campaign_is_recorded_and_never_retried(
    referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    assert ReferralReward.objects.get().reason == "no_campaign"
    CouponCampaignFactory(grant_on_referral=True, claimable=False)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    assert ReferralReward.objects.count() == 1
    assert not Coupon.objects.exists()


def test_a_sold_out_reward_campaign_gives_neither_coupon(
    referrer, django_capture_on_commit_callbacks
):
    CouponCampaignFactory(grant_on_referral=True, claimable=False, quantity=1)
    friend = friend_of(referrer)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    assert ReferralReward.objects.get().reason == "sold_out"
    assert not Coupon.objects.exists()


def test_a_closed_referrer_account_earns_nothing(
    reward, referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer)
    User.objects.filter(pk=referrer.pk).update(is_active=False)
    first_paid_order(friend, django_capture_on_commit_callbacks)
    assert ReferralReward.objects.get().reason == "referrer_inactive"


def test_the_same_payer_as_the_referrer_earns_nothing(reward, referrer):
    """The provider's fingerprint of the card or wallet (Stripe's; see the
    Stripe tests for the fingerprint read from a real payment)."""
    own = make_paid_order(referrer, OfferFactory())
    Order.objects.filter(pk=own.pk).update(payer="card:aaaa")
    friend = friend_of(referrer)
    theirs = make_paid_order(friend, OfferFactory())
    Order.objects.filter(pk=theirs.pk).update(payer="card:aaaa")
    services.referral_reward(order_id=theirs.pk)
    assert ReferralReward.objects.get().reason == "same_payer"


def test_one_card_paying_two_friends_first_orders_rewards_one(reward, referrer):
    first, second = friend_of(referrer, address="10.2.0.1"), friend_of(referrer, address="10.3.0.1")
    for friend in (first, second):
        order = make_paid_order(friend, OfferFactory())
        Order.objects.filter(pk=order.pk).update(payer="alipay:bbbb")
        services.referral_reward(order_id=order.pk)
    outcomes = dict(ReferralReward.objects.values_list("referred_id", "reason"))
    assert outcomes == {first.pk: "", second.pk: "same_payer"}


def test_networks_stand_for_one_connection():
    assert network_of("203.0.113.7") == "203.0.113.7"
    assert network_of("2001:db8::1") == network_of("2001:db8::ffff") == "2001:db8::/64"
    assert network_of("::ffff:203.0.113.7") == "203.0.113.7"
    assert network_of("") == network_of("not an address") == ""


# --- signing up through a link --------------------------------------------------------


def test_signing_up_through_a_share_link_records_the_referrer(client, reward, referrer):
    landing = client.get("/", {"ref": referrer.referral_code.lower()})
    assert landing.status_code == 302
    page = client.get(reverse("accounts:signup"))
    assert "invited you" in page.content.decode()
    assert "me***" in page.content.decode()  # who, masked as on reviews
    client.post(
        reverse("accounts:signup"),
        {"email": "newbie@example.com", "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR="198.51.100.4",
    )
    newbie = User.objects.get(email="newbie@example.com")
    assert newbie.referred_by == referrer
    assert UserNetwork.objects.filter(user=newbie, network="198.51.100.4", at_signup=True).exists()


def test_signing_up_without_a_link_has_no_referrer(client):
    page = client.get(reverse("accounts:signup"))
    assert "invited you" not in page.content.decode()
    client.post(
        reverse("accounts:signup"),
        {"email": "newbie@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert User.objects.get(email="newbie@example.com").referred_by is None


def test_the_api_registers_with_a_referral_code(referrer):
    answer = APIClient().post(
        "/api/v1/auth/register/",
        {"email": "app@example.com", "password": PASSWORD, "referral_code": referrer.referral_code},
        format="json",
        REMOTE_ADDR="198.51.100.5",
    )
    assert answer.status_code == 201, answer.content
    user = User.objects.get(email="app@example.com")
    assert user.referred_by == referrer
    assert user.networks.get().network == "198.51.100.5"


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "١٢٣٤٥٦٧٨", "x" * 12, ""])
def test_the_api_refuses_an_unknown_referral_code_and_makes_no_account(referrer, code):
    answer = APIClient().post(
        "/api/v1/auth/register/",
        {"email": "app@example.com", "password": PASSWORD, "referral_code": code},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] in {"referral_code_not_found", "invalid"}
    assert not User.objects.filter(email="app@example.com").exists()


def test_the_api_token_login_records_the_network(referrer):
    APIClient().post(
        "/api/v1/auth/token/",
        {"email": referrer.email, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="192.0.2.44",
    )
    assert UserNetwork.objects.filter(user=referrer, network="192.0.2.44").exists()


# --- what the referrer sees -----------------------------------------------------------


def test_the_invite_page_shows_the_link_the_reward_and_the_friends(
    client, reward, referrer, django_capture_on_commit_callbacks
):
    rewarded = friend_of(referrer, email="liwei@example.com")
    first_paid_order(rewarded, django_capture_on_commit_callbacks)
    refused = friend_of(referrer, email="zhang@example.com", address=HOME)
    first_paid_order(refused, django_capture_on_commit_callbacks)
    friend_of(referrer, email="wang@example.com")
    client.force_login(referrer)
    body = client.get(reverse("orders:invite")).content.decode()
    assert f"http://testserver/?ref={referrer.referral_code}" in body
    assert "you both get the coupon" in body
    assert "You and each friend get a coupon: ¥20 off" in body
    assert "3 friends signed up through your link; 1 earned you a reward." in body
    assert body.count("Rewarded") == 1
    assert "Waiting for a first order" in body
    assert "Not eligible" in body
    assert "same_network" not in body  # why is not told: it would teach the way round
    assert "liwei@example.com" not in body  # friends are masked


def test_the_invite_page_without_a_campaign_still_gives_the_link(client, referrer):
    client.force_login(referrer)
    body = client.get(reverse("orders:invite")).content.decode()
    assert f"?ref={referrer.referral_code}" in body
    assert "There is no invitation reward right now." in body
    assert "No friends yet" in body


def test_the_invite_page_needs_a_login(client):
    answer = client.get(reverse("orders:invite"))
    assert answer.status_code == 302
    assert reverse("accounts:login") in answer["Location"]


def test_the_referrals_api(reward, referrer, django_capture_on_commit_callbacks):
    friend = friend_of(referrer, email="liwei@example.com")
    first_paid_order(friend, django_capture_on_commit_callbacks)
    friend_of(referrer, email="wang@example.com")
    client = APIClient()
    client.force_authenticate(referrer)
    body = client.get("/api/v1/referrals/").json()
    assert body["code"] == referrer.referral_code
    assert body["link"] == f"http://testserver/?ref={referrer.referral_code}"
    assert body["reward"]["value"] == "20.00"
    assert body["reward"]["per_user_limit"] == 3
    assert (body["invited"], body["rewarded"]) == (2, 1)
    assert [f["status"] for f in body["friends"]] == ["waiting", "rewarded"]
    assert body["friends"][1]["name"] == "li***"
    assert APIClient().get("/api/v1/referrals/").status_code == 401


# --- a first order refunded -----------------------------------------------------------


def refund_all(order):
    for voucher in order.vouchers.all():
        services.voucher_refund(voucher_id=voucher.pk, by=order.user, reason="customer")


def test_a_rewarded_first_order_refunded_whole_takes_the_unused_coupons_back(
    client, reward, referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer)
    order = first_paid_order(friend, django_capture_on_commit_callbacks, stock=10)
    [mine] = referral_coupons(referrer)
    spent = services.order_create(
        user=referrer,
        offer_id=OfferFactory(price=Decimal("88.00")).pk,
        quantity=1,
        coupon_id=mine.pk,
    )
    refund_all(order)
    decided = ReferralReward.objects.get()
    assert decided.outcome == ReferralReward.Outcome.WITHDRAWN
    [theirs] = referral_coupons(friend)
    assert theirs.status == Coupon.Status.WITHDRAWN  # unused: taken back
    mine.refresh_from_db()
    assert (mine.status, mine.order) == (Coupon.Status.USED, spent)  # spent: stays spent
    client.force_login(friend)
    assert (
        "The first order that earned it was refunded."
        in client.get(reverse("orders:coupons")).content.decode()
    )
    client.force_login(referrer)
    page = client.get(reverse("orders:invite")).content.decode()
    assert "Not eligible" in page
    assert "1 friend signed up through your link; 0 earned you a reward." in page
    assert referral_reward_withdraw(order=order) is None  # asked again: nothing more
    assert ReferralReward.objects.get().outcome == ReferralReward.Outcome.WITHDRAWN


def test_refunding_part_of_the_first_order_keeps_the_reward(
    reward, referrer, django_capture_on_commit_callbacks
):
    friend = friend_of(referrer)
    with django_capture_on_commit_callbacks(execute=True):
        order = make_paid_order(friend, OfferFactory(stock=10), quantity=2)
    services.voucher_refund(voucher_id=order.vouchers.first().pk, by=friend, reason="customer")
    assert ReferralReward.objects.get().outcome == ReferralReward.Outcome.GRANTED
    assert all(c.status == Coupon.Status.AVAILABLE for c in referral_coupons(referrer))


def test_a_withdrawn_reward_still_counts_against_its_network_and_card(
    reward, referrer, django_capture_on_commit_callbacks
):
    """Refunding cannot clear the way for the next account from one person."""
    first = friend_of(referrer, address="10.5.5.5")
    order = first_paid_order(first, django_capture_on_commit_callbacks)
    Order.objects.filter(pk=order.pk).update(payer="card:cccc")
    refund_all(order)
    again_network = friend_of(referrer, address="10.5.5.5")
    first_paid_order(again_network, django_capture_on_commit_callbacks)
    again_card = friend_of(referrer, address="10.6.6.6")
    paid = make_paid_order(again_card, OfferFactory())
    Order.objects.filter(pk=paid.pk).update(payer="card:cccc")
    services.referral_reward(order_id=paid.pk)
    reasons = dict(ReferralReward.objects.values_list("referred_id", "reason"))
    assert reasons[again_network.pk] == "same_network"
    assert reasons[again_card.pk] == "same_payer"


def test_a_first_order_refunded_before_the_decision_earns_nothing(reward, referrer):
    """The reward's task may run late (a broker down): a refund before it counts."""
    friend = friend_of(referrer)
    order = make_paid_order(friend, OfferFactory())  # its task waits for the commit
    refund_all(order)
    services.referral_reward(order_id=order.pk)  # the task, late
    assert ReferralReward.objects.get().reason == "refunded"
    assert not Coupon.objects.filter(source=Coupon.Source.REFERRAL).exists()
