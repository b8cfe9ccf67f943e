"""Every write on reviews: verified reviews, replies, moderation."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from merchants.models import Merchant
from merchants.services import staff_membership
from o2o.errors import Conflict, DomainError, NotFound, PermissionDenied
from o2o.http import parse_id, parse_int
from offers.models import Offer
from orders.models import Voucher
from orders.rules import used

from . import signals
from .models import Review, ReviewReply

MAX_TEXT = 2000


def _apply_rating(*, offer_id: int, merchant_id: int, delta_sum: int, delta_count: int) -> None:
    """Move both aggregates in SQL, so concurrent reviews never lose a vote.

    The UPDATE holds the row lock until commit, so the average computed from
    the row just written is the one that stays.
    """
    for model, pk in ((Offer, offer_id), (Merchant, merchant_id)):
        model.objects.filter(pk=pk).update(  # type: ignore[attr-defined]
            rating_sum=F("rating_sum") + delta_sum, rating_count=F("rating_count") + delta_count
        )
        total, count = model.objects.values_list("rating_sum", "rating_count").get(pk=pk)  # type: ignore[attr-defined]
        average = (Decimal(total) / count).quantize(Decimal("0.01")) if count else Decimal("0")
        model.objects.filter(pk=pk).update(rating=average)  # type: ignore[attr-defined]


@transaction.atomic
def review_create(*, user: User, voucher_id: object, rating: object, text: str) -> Review:
    """A consumer reviews a voucher they have used. One review per voucher."""
    voucher_pk = parse_id(voucher_id)
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("offer")
        .filter(pk=voucher_pk, user_id=user.pk)
        .annotate(was_used=ExpressionWrapper(used(), output_field=BooleanField()))
        .first()
        if voucher_pk is not None
        else None
    )
    if voucher is None:
        raise NotFound("voucher_not_found", _("Voucher not found."))
    stars = parse_int(rating)
    if stars is None or not 1 <= stars <= 5:
        raise DomainError("invalid_rating", _("Choose a rating from 1 to 5 stars."))
    text = (text or "").strip()
    if not text:
        raise DomainError("text_required", _("Tell others about your visit."))
    if len(text) > MAX_TEXT:
        raise DomainError(
            "text_too_long", _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT}
        )
    if not voucher.was_used:  # type: ignore[attr-defined]
        raise Conflict("not_redeemed", _("You can review a deal once you have used it."))
    if Review.objects.filter(voucher=voucher).exists():
        raise Conflict("already_reviewed", _("You have already reviewed this voucher."))
    try:
        with transaction.atomic():
            review = Review.objects.create(
                voucher=voucher,
                user=user,
                offer=voucher.offer,
                merchant_id=voucher.offer.merchant_id,
                rating=stars,
                text=text,
            )
    except IntegrityError:
        raise Conflict("already_reviewed", _("You have already reviewed this voucher.")) from None
    _apply_rating(
        offer_id=voucher.offer_id,
        merchant_id=voucher.offer.merchant_id,
        delta_sum=stars,
        delta_count=1,
    )
    return review


def _require_admin(by: User) -> None:
    if not by.is_staff:
        raise PermissionDenied("admins_only", _("Only admins can moderate reviews."))


@transaction.atomic
def _set_visibility(*, review_id: int, status: str, reason: str) -> Review | None:
    """Show or hide the review; None when it already was so (nothing changed)."""
    review = Review.objects.select_for_update().get(pk=review_id)
    if review.status == status:
        return None
    sign = -1 if status == Review.Status.HIDDEN else 1
    review.status = status
    review.moderation_reason = reason
    review.save(update_fields=["status", "moderation_reason", "updated_at"])
    _apply_rating(
        offer_id=review.offer_id,
        merchant_id=review.merchant_id,
        delta_sum=sign * review.rating,
        delta_count=sign,
    )
    return review


MAX_REASON = Review._meta.get_field("moderation_reason").max_length or 255


@transaction.atomic
def review_hide(*, review_id: int, by: User, reason: str) -> Review:
    """Hidden reviews leave every page and every rating. The reason is required:
    the reviewer is told in their inbox (and by e-mail) why."""
    _require_admin(by)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Please give a reason the reviewer will see."))
    if len(reason) > MAX_REASON:
        raise DomainError(
            "reason_too_long",
            _("Please keep the reason to %(n)s characters at most.") % {"n": MAX_REASON},
        )
    hidden = _set_visibility(review_id=review_id, status=Review.Status.HIDDEN, reason=reason)
    if hidden is None:  # already hidden: the reviewer was told then
        return Review.objects.get(pk=review_id)
    signals.review_hidden.send(sender=Review, review=hidden)
    return hidden


def review_restore(*, review_id: int, by: User) -> Review:
    _require_admin(by)
    _set_visibility(review_id=review_id, status=Review.Status.VISIBLE, reason="")
    return Review.objects.get(pk=review_id)


@transaction.atomic
def review_reply(*, review_id: int, by: User, text: str) -> ReviewReply:
    """The merchant answers a review (owners and managers); a new reply replaces the old."""
    review = Review.objects.select_related("merchant").filter(pk=review_id).first()
    if review is None:
        raise NotFound("review_not_found", _("Review not found."))
    staff_membership(by, review.merchant, manage=True)
    text = (text or "").strip()
    if not text:
        raise DomainError("text_required", _("Write a reply first."))
    reply, _created = ReviewReply.objects.update_or_create(
        review=review, defaults={"text": text[:MAX_TEXT], "by": by}
    )
    return reply


def visible_reviews_q() -> Q:
    return Q(status=Review.Status.VISIBLE)
