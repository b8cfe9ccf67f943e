"""Every write on offers: editing, the moderation lifecycle, counters."""

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from merchants.models import Merchant, Store
from merchants.selectors import visible_merchants
from merchants.services import staff_membership
from o2o import counters, pagecache
from o2o.errors import Conflict, DomainError, NotFound
from o2o.http import parse_id
from o2o.images import PreparedImage, prepare_image
from o2o.models import check_transition

from . import signals, stock
from .models import Favourite, Offer, OfferEvent, OfferImage, Reminder
from .selectors import coming_offers, visible_offers

EDITABLE_FIELDS = (
    "category",
    "title",
    "summary",
    "description",
    "includes",
    "fine_print",
    "image",
    "price",
    "list_price",
    "stock",
    "limit_per_user",
    "sale_starts_at",
    "sale_ends_at",
    "validity_days",
    "uses_per_voucher",
    "booking_required",
    "usable_days",
    "usable_hours",
    "refundable",
    "refund_on_expiry",
)


def _validate(fields: dict[str, Any], stores: list[Store], merchant: Merchant) -> None:
    price, list_price = fields.get("price"), fields.get("list_price")
    if price is None or price <= 0:
        raise DomainError("invalid_price", _("The price must be more than zero."))
    if list_price is None or list_price < price:
        raise DomainError("invalid_list_price", _("The list price cannot be below the price."))
    starts, ends = fields.get("sale_starts_at"), fields.get("sale_ends_at")
    if starts and ends and ends <= starts:
        raise DomainError("invalid_sale_window", _("The sale must end after it starts."))
    if (fields.get("uses_per_voucher") or 1) < 1:
        raise DomainError("invalid_uses", _("A voucher must allow at least one use."))
    if not stores:
        raise DomainError("no_store", _("Choose at least one store where the deal can be used."))
    if any(store.merchant_id != merchant.pk for store in stores):
        raise DomainError("not_your_store", _("Every store must be one of yours."))


def _prepare_images(
    fields: dict[str, Any], images: Sequence[Any]
) -> tuple[dict[str, Any], list[PreparedImage]]:
    """Every new upload checked and re-encoded before anything is written, so a
    refused photo leaves the offer and the storage as they were. Called before
    the transaction opens: decoding a photo takes a moment, and SQLite's
    transactions hold its write lock from their start."""
    cover = fields.get("image")
    if cover and not isinstance(cover, FieldFile):  # a FieldFile is the cover already stored
        fields = {**fields, "image": prepare_image(cover)}
    return fields, [prepare_image(image) for image in images]


def _event(
    offer: Offer, from_status: str, to_status: str, by: User | None, reason: str = ""
) -> None:
    OfferEvent.objects.create(
        offer=offer, from_status=from_status, to_status=to_status, by=by, reason=reason
    )


def offer_create(
    *,
    merchant: Merchant,
    by: User,
    stores: list[Store],
    images: Sequence[Any] = (),
    **fields: Any,
) -> Offer:
    """A new offer, as a draft the merchant can still change."""
    staff_membership(by, merchant, manage=True)
    fields, images = _prepare_images(fields, images)
    return _offer_create(merchant=merchant, by=by, stores=stores, images=images, **fields)


@transaction.atomic
def _offer_create(
    *,
    merchant: Merchant,
    by: User,
    stores: list[Store],
    images: Sequence[PreparedImage],
    **fields: Any,
) -> Offer:
    fields = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS}
    _validate(fields, stores, merchant)
    offer = Offer(merchant=merchant, **fields)
    offer.stock_left = offer.stock
    offer.save()
    offer.stores.set(stores)
    for position, image in enumerate(images):
        OfferImage.objects.create(offer=offer, image=image, position=position)
    _event(offer, "", offer.status, by, "created")
    return offer


def offer_update(
    *, offer: Offer, by: User, stores: list[Store], images: Sequence[Any] = (), **fields: Any
) -> Offer:
    """Change an offer. A live or paused offer goes back to review, since
    consumers would otherwise see terms an admin never approved."""
    staff_membership(by, offer.merchant, manage=True)
    fields, images = _prepare_images(fields, images)
    return _offer_update(offer=offer, by=by, stores=stores, images=images, **fields)


@transaction.atomic
def _offer_update(
    *, offer: Offer, by: User, stores: list[Store], images: Sequence[PreparedImage], **fields: Any
) -> Offer:
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == Offer.Status.ENDED:
        raise Conflict("offer_ended", _("An ended offer cannot be changed."))
    fields = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS}
    _validate(fields, stores, locked.merchant)
    # Units already sold or reserved stay taken when the stock changes.
    if locked.stock is not None and locked.stock_left is not None:
        taken = locked.stock - locked.stock_left
    else:
        taken = stock.units_held(locked.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    if locked.stock is None:
        locked.stock_left = None
    else:
        if locked.stock < taken:
            raise DomainError(
                "stock_below_sold",
                _("Stock cannot be below the %(n)s units already sold or reserved.") % {"n": taken},
            )
        locked.stock_left = locked.stock - taken
    previous = locked.status
    if previous in (Offer.Status.LIVE, Offer.Status.PAUSED):
        locked.status = Offer.Status.PENDING_REVIEW
        _event(locked, previous, locked.status, by, "edited")
    locked.save()
    stock.forget_sold_out(locked.pk)  # the stock may have grown
    locked.stores.set(stores)
    if images:
        offer_add_images(offer=locked, by=by, images=images)
    return locked


MAX_GALLERY = 8


def offer_add_images(*, offer: Offer, by: User, images: Sequence[Any]) -> list[OfferImage]:
    """Add photos to the offer's gallery, keeping at most MAX_GALLERY."""
    staff_membership(by, offer.merchant, manage=True)
    have = offer.images.count()
    if have + len(images) > MAX_GALLERY:
        raise DomainError(
            "too_many_images",
            _("A deal can have at most %(n)s photos; remove some first.") % {"n": MAX_GALLERY},
        )
    prepared = [prepare_image(image) for image in images]
    return [
        OfferImage.objects.create(offer=offer, image=image, position=have + i)
        for i, image in enumerate(prepared)
    ]


def offer_set_image(*, offer: Offer, by: User, image: Any) -> Offer:
    """Replace the cover image (an uploaded or generated file)."""
    staff_membership(by, offer.merchant, manage=True)
    offer.image = prepare_image(image)
    offer.save(update_fields=["image", "image_card"])  # the field makes the card copy
    pagecache.catalog_changed()
    return offer


@transaction.atomic
def _offer_transition(*, offer: Offer, to: str, by: User | None, reason: str = "") -> Offer:
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    check_transition(Offer, locked.status, to)
    _event(locked, locked.status, to, by, reason)
    locked.status = to
    locked.status_reason = reason
    if to == Offer.Status.LIVE and locked.published_at is None:
        locked.published_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "published_at", "updated_at"])
    return locked


def offer_submit(*, offer: Offer, by: User) -> Offer:
    """The merchant asks an admin to review the offer."""
    staff_membership(by, offer.merchant, manage=True)
    if not offer.merchant.is_approved:
        raise Conflict(
            "merchant_not_approved",
            _("Your business must be approved before its offers can be reviewed."),
        )
    if not offer.stores.exists():
        raise DomainError("no_store", _("Choose at least one store where the deal can be used."))
    submitted = _offer_transition(offer=offer, to=Offer.Status.PENDING_REVIEW, by=by)
    signals.offer_submitted.send(sender=Offer, offer=submitted)
    return submitted


def offer_approve(*, offer: Offer, by: User) -> Offer:
    result = _offer_transition(offer=offer, to=Offer.Status.LIVE, by=by)
    signals.offer_moderated.send(sender=Offer, offer=result, outcome="approved")
    return result


def offer_reject(*, offer: Offer, by: User, reason: str) -> Offer:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Please give a reason the merchant will see."))
    result = _offer_transition(offer=offer, to=Offer.Status.REJECTED, by=by, reason=reason)
    signals.offer_moderated.send(sender=Offer, offer=result, outcome="rejected")
    return result


def offer_pause(*, offer: Offer, by: User) -> Offer:
    staff_membership(by, offer.merchant, manage=True)
    return _offer_transition(offer=offer, to=Offer.Status.PAUSED, by=by)


def offer_resume(*, offer: Offer, by: User) -> Offer:
    staff_membership(by, offer.merchant, manage=True)
    return _offer_transition(offer=offer, to=Offer.Status.LIVE, by=by)


def end_finished_offers() -> int:
    """End live/paused offers whose sale window closed, or that sold out with
    nothing left reserved. Idempotent: a second run finds nothing to do."""
    now = timezone.now()
    candidates = Offer.objects.filter(status__in=[Offer.Status.LIVE, Offer.Status.PAUSED]).filter(
        Q(sale_ends_at__lte=now) | Q(stock_left=0)
    )
    ended = 0
    for offer_id in candidates.values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer_id)
            if offer.status not in (Offer.Status.LIVE, Offer.Status.PAUSED):
                continue
            window_closed = offer.sale_ends_at is not None and offer.sale_ends_at <= now
            sold_out = offer.stock_left == 0 and not stock.units_held(offer.pk, unpaid_only=True)
            if window_closed or sold_out:
                reason = "sale_window_closed" if window_closed else "sold_out"
                _event(offer, offer.status, Offer.Status.ENDED, None, reason)
                offer.status = Offer.Status.ENDED
                offer.status_reason = reason
                offer.save(update_fields=["status", "status_reason", "updated_at"])
                ended += 1
    return ended


def offer_record_view(*, offer_id: int) -> None:
    """Count a view: in Redis when there is one (flushed in batches), else in the row."""
    counters.count_view(offer_id, write_through=_add_view)


def _add_view(offer_id: int) -> None:
    Offer.objects.filter(pk=offer_id).update(view_count=F("view_count") + 1)


def flush_view_counters() -> int:
    return counters.flush_views(Offer)


# --- favourites -------------------------------------------------------------

OFFER_UNAVAILABLE = _("There is no such deal on sale.")
MERCHANT_UNAVAILABLE = _("There is no such merchant.")


def favourite_save(
    *, user: User, offer_id: object = None, merchant_id: object = None
) -> tuple[Favourite, bool]:
    """Save a deal on sale or an approved merchant (exactly one of the two);
    returns the favourite and whether it is new. Saving again returns the
    row saved before: the unique constraints decide, so two saves at once
    make one row."""
    if (offer_id is None) == (merchant_id is None):
        raise DomainError("offer_or_merchant", _("Choose one thing to save: a deal or a merchant."))
    target: dict[str, int]
    if offer_id is not None:
        offer_pk = parse_id(offer_id)
        if offer_pk is None or not visible_offers().filter(pk=offer_pk).exists():
            raise DomainError("offer_unavailable", OFFER_UNAVAILABLE)
        target = {"offer_id": offer_pk}
    else:
        merchant_pk = parse_id(merchant_id)
        if merchant_pk is None or not visible_merchants().filter(pk=merchant_pk).exists():
            raise DomainError("merchant_unavailable", MERCHANT_UNAVAILABLE)
        target = {"merchant_id": merchant_pk}
    saved = Favourite.objects.filter(user=user, **target).first()
    if saved is not None:
        return saved, False
    try:
        with transaction.atomic():
            return Favourite.objects.create(user=user, **target), True
    except IntegrityError:
        pass
    # Saved by a save at the same moment, or the deal or merchant was
    # deleted since it was checked.
    favourite = Favourite.objects.filter(user=user, **target).first()
    if favourite is None:
        if "offer_id" in target:
            raise DomainError("offer_unavailable", OFFER_UNAVAILABLE)
        raise DomainError("merchant_unavailable", MERCHANT_UNAVAILABLE)
    return favourite, False


def favourite_remove(*, user: User, favourite_id: object) -> None:
    """Remove one of the user's favourites; someone else's is as good as none."""
    pk = parse_id(favourite_id)
    deleted = Favourite.objects.filter(pk=pk, user=user).delete()[0] if pk is not None else 0
    if not deleted:
        raise NotFound("favourite_not_found", _("No such favourite of yours."))


def favourite_unsave(*, user: User, offer_id: object = None, merchant_id: object = None) -> bool:
    """Unsave a deal or a merchant (the pages' "Saved" buttons); True if it
    was saved. Idempotent: unsaving what is not saved changes nothing."""
    if (offer_id is None) == (merchant_id is None):
        raise DomainError("offer_or_merchant", _("Choose one thing to save: a deal or a merchant."))
    name, pk = (
        ("offer_id", parse_id(offer_id))
        if offer_id is not None
        else ("merchant_id", parse_id(merchant_id))
    )
    if pk is None:  # names nothing, so nothing was saved
        return False
    return bool(Favourite.objects.filter(user=user, **{name: pk}).delete()[0])


# --- reminders of coming deals ------------------------------------------------

NOT_COMING = _("This deal is not coming: it is on sale already, or over.")


def reminder_set(*, user: User, offer_id: object) -> tuple[Reminder, bool]:
    """ "Remind me" on a coming deal: returns the reminder and whether it is
    new. Pressed again, the one made before; two presses at once make one
    row (the unique constraint decides). A deal on sale, ended or paused is
    refused (`not_coming`); one nobody may see is not found."""
    offer_pk = parse_id(offer_id)
    if offer_pk is None:
        raise NotFound("offer_not_found", _("This deal does not exist."))
    if not coming_offers().filter(pk=offer_pk).exists():
        public = Offer.objects.filter(
            pk=offer_pk,
            merchant__status=Merchant.Status.APPROVED,
            status__in=[Offer.Status.LIVE, Offer.Status.PAUSED, Offer.Status.ENDED],
        )
        if not public.exists():
            raise NotFound("offer_not_found", _("This deal does not exist."))
        raise Conflict("not_coming", NOT_COMING)
    # get_or_create creates in a savepoint and reads the row again when the
    # constraint refuses a second one made at the same moment.
    return Reminder.objects.get_or_create(user=user, offer_id=offer_pk)


def reminder_unset(*, user: User, offer_id: object) -> bool:
    """Cancel "Remind me"; True if there was a reminder. Idempotent."""
    offer_pk = parse_id(offer_id)
    if offer_pk is None:
        return False
    return bool(Reminder.objects.filter(user=user, offer_id=offer_pk).delete()[0])


def reminders_mark_sent(*, reminder_ids: Sequence[int]) -> int:
    """Record that these reminders were sent (once: those not marked yet)."""
    return Reminder.objects.filter(pk__in=list(reminder_ids), sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
