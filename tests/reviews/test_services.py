"""Verified reviews: only after use, one per voucher, moderated by admins."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import Notification
from o2o.errors import Conflict, DomainError, NotFound, PermissionDenied
from offers.models import Offer
from orders.models import Voucher
from orders.services import expire_vouchers, redemption_undo, voucher_redeem, voucher_refund
from reviews import services
from reviews.models import Review

from ..factories import MembershipFactory, OfferFactory, UserFactory, make_cashier, make_voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def used_voucher(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    return voucher


def test_review_after_use_updates_offer_and_merchant_ratings(consumer, offer, used_voucher):
    services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=4, text="Tasty")
    other = UserFactory()
    second = make_voucher(other, offer)
    cashier = make_cashier(offer.merchant)
    voucher_redeem(code=second.code, store_id=offer.stores.get().pk, by=cashier)
    services.review_create(user=other, voucher_id=second.pk, rating=5, text="Great")
    offer.refresh_from_db()
    offer.merchant.refresh_from_db()
    assert offer.rating_count == 2
    assert offer.rating == Decimal("4.50")
    assert offer.merchant.rating == Decimal("4.50")


def test_unused_voucher_cannot_be_reviewed(consumer, offer):
    voucher = make_voucher(consumer, offer)
    with pytest.raises(Conflict) as err:
        services.review_create(user=consumer, voucher_id=voucher.pk, rating=5, text="Hm")
    assert err.value.code == "not_redeemed"


def _expired(voucher, cashier):
    Offer.objects.filter(pk=voucher.offer_id).update(refund_on_expiry=False)
    _past_its_date(voucher)


def _refunded_on_expiry(voucher, cashier):
    Offer.objects.filter(pk=voucher.offer_id).update(refund_on_expiry=True)
    _past_its_date(voucher)


def _past_its_date(voucher):
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_vouchers() == 1


def _refunded(voucher, cashier):
    voucher_refund(voucher_id=voucher.pk, by=voucher.user, reason="customer")


def _redeemed_then_undone(voucher, cashier):
    redemption = voucher_redeem(
        code=voucher.code, store_id=voucher.offer.stores.get().pk, by=cashier
    )
    redemption_undo(redemption_id=redemption.pk, by=cashier)


@pytest.mark.parametrize(
    ("ending", "status"),
    [
        (_expired, Voucher.Status.EXPIRED),
        (_refunded_on_expiry, Voucher.Status.REFUNDED),
        (_refunded, Voucher.Status.REFUNDED),
        (_redeemed_then_undone, Voucher.Status.ISSUED),
    ],
    ids=["expired", "refunded-on-expiry", "refunded", "redeemed-then-undone"],
)
def test_a_voucher_never_used_cannot_be_reviewed_however_it_ended(
    consumer, offer, cashier, ending, status
):
    voucher = make_voucher(consumer, offer)
    ending(voucher, cashier)
    voucher.refresh_from_db()
    assert (voucher.status, voucher.uses_left) == (status, 1)
    with pytest.raises(Conflict) as err:
        services.review_create(user=consumer, voucher_id=voucher.pk, rating=1, text="Never went")
    assert (err.value.code, err.value.status) == ("not_redeemed", 409)
    assert not Review.objects.exists()
    offer.refresh_from_db()
    assert (offer.rating_count, offer.rating) == (0, 0)


def test_a_card_used_once_and_then_expired_can_be_reviewed(consumer, store, cashier):
    """Its holder did visit: a review is verified by a use, not by the
    voucher's last status."""
    card = OfferFactory(merchant=store.merchant, stores=[store], uses_per_voucher=5)
    voucher = make_voucher(consumer, card)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    _past_its_date(voucher)
    review = services.review_create(user=consumer, voucher_id=voucher.pk, rating=4, text="Nice")
    assert review.voucher.status == Voucher.Status.EXPIRED
    card.refresh_from_db()
    assert card.rating_count == 1


def test_one_review_per_voucher(consumer, used_voucher):
    services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=5, text="Good")
    with pytest.raises(Conflict) as err:
        services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=1, text="Again")
    assert err.value.code == "already_reviewed"
    assert Review.objects.count() == 1


def test_nobody_reviews_someone_elses_voucher(used_voucher):
    with pytest.raises(NotFound):
        services.review_create(user=UserFactory(), voucher_id=used_voucher.pk, rating=5, text="x")


@pytest.mark.parametrize(("rating", "text"), [(0, "x"), (6, "x"), ("five", "x"), (3, "  ")])
def test_bad_rating_or_empty_text_is_refused(consumer, used_voucher, rating, text):
    with pytest.raises(DomainError):
        services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=rating, text=text)
    assert not Review.objects.exists()


def test_hiding_a_review_removes_it_from_the_rating(consumer, offer, used_voucher, admin_user):
    review = services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=1, text="Bad")
    services.review_hide(review_id=review.pk, by=admin_user, reason="abusive")
    offer.refresh_from_db()
    assert offer.rating_count == 0
    assert offer.rating == 0
    services.review_restore(review_id=review.pk, by=admin_user)
    offer.refresh_from_db()
    assert offer.rating_count == 1


def test_only_admins_moderate(consumer, used_voucher, owner):
    review = services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=2, text="Meh")
    for user in (consumer, owner):
        with pytest.raises(PermissionDenied):
            services.review_hide(review_id=review.pk, by=user, reason="I dislike it")
    review.refresh_from_db()
    assert review.status == Review.Status.VISIBLE


@pytest.fixture
def review(consumer, used_voucher):
    return services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=1, text="Bad")


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason_required"), ("   ", "reason_required"), ("x" * 256, "reason_too_long")],
)
def test_hiding_a_review_needs_a_reason_the_reviewer_can_read(
    review, offer, admin_user, reason, code, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as refused:
        services.review_hide(review_id=review.pk, by=admin_user, reason=reason)
    assert refused.value.code == code
    review.refresh_from_db()
    assert review.status == Review.Status.VISIBLE
    assert review.moderation_reason == ""
    offer.refresh_from_db()
    assert offer.rating_count == 1
    assert not Notification.objects.filter(kind="review_hidden").exists()


def test_the_reviewer_is_told_why_their_review_was_hidden(
    consumer, review, offer, admin_user, django_capture_on_commit_callbacks, mailoutbox
):
    def hide(reason):
        with django_capture_on_commit_callbacks(execute=True):
            return services.review_hide(review_id=review.pk, by=admin_user, reason=reason)

    assert hide("  Names a member of staff  ").moderation_reason == "Names a member of staff"
    [notice] = consumer.notifications.filter(kind="review_hidden")
    assert notice.title == f"Your review of {offer.title} was hidden"
    assert notice.body == "Moderation's reason: Names a member of staff"
    assert [m.subject for m in mailoutbox if m.to == [consumer.email]] == [notice.title]

    hide("Hidden twice")  # already hidden: nothing changes, nobody is told twice
    assert consumer.notifications.filter(kind="review_hidden").count() == 1
    review.refresh_from_db()
    assert review.moderation_reason == "Names a member of staff"

    services.review_restore(review_id=review.pk, by=admin_user)
    hide("Still names a member of staff")
    assert list(
        consumer.notifications.filter(kind="review_hidden")
        .order_by("pk")
        .values_list("body", flat=True)
    ) == [
        "Moderation's reason: Names a member of staff",
        "Moderation's reason: Still names a member of staff",
    ]


def test_a_review_restored_before_the_notice_goes_out_is_not_reported_hidden(
    consumer, review, admin_user
):
    from notifications.tasks import notify_review_hidden

    services.review_hide(review_id=review.pk, by=admin_user, reason="Spam")  # task not run yet
    services.review_restore(review_id=review.pk, by=admin_user)
    notify_review_hidden(review.pk)
    assert not consumer.notifications.filter(kind="review_hidden").exists()


def test_merchant_manager_replies_but_cashier_and_strangers_cannot(
    consumer, used_voucher, owner, cashier, other_store
):
    review = services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=3, text="Ok")
    reply = services.review_reply(review_id=review.pk, by=owner, text="Thanks!")
    assert reply.text == "Thanks!"
    with pytest.raises(PermissionDenied):
        services.review_reply(review_id=review.pk, by=cashier, text="Hi")
    stranger = MembershipFactory(merchant=other_store.merchant).user
    with pytest.raises(PermissionDenied):
        services.review_reply(review_id=review.pk, by=stranger, text="Hi")


def test_undo_is_refused_once_the_visit_is_reviewed(consumer, used_voucher, cashier):
    from orders.services import redemption_undo

    services.review_create(user=consumer, voucher_id=used_voucher.pk, rating=5, text="Good")
    with pytest.raises(Conflict) as err:
        redemption_undo(redemption_id=used_voucher.redemptions.get().pk, by=cashier)
    assert err.value.code == "already_reviewed"
