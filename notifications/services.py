"""Sending notifications: one inbox row per key, e-mailed at most once."""

import functools
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from merchants.models import Membership
from o2o import rawsql
from o2o.templatetags.market import money
from offers.models import Favourite, Offer, Reminder
from offers.selectors import (
    ENDING_WITHIN,
    offer_savers,
    reminders_due,
    saved_offers_ending,
    saved_offers_gone_on_sale,
)
from offers.services import reminders_mark_sent
from orders.models import Order, Redemption, Voucher
from orders.rules import usable
from reviews.models import Review

from .models import Notification


def notify(
    *,
    user: User,
    kind: str,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> Notification:
    """Create the notification unless one with this key exists, then e-mail it.

    Safe to call twice (a task that ran again): the unique key finds the
    first row, and the conditional update on `emailed_at` sends one e-mail.
    """
    try:
        with transaction.atomic():
            notification, _created = Notification.objects.get_or_create(
                key=key,
                defaults={"user": user, "kind": kind, "title": title, "body": body, "url": url},
            )
    except IntegrityError:
        notification = Notification.objects.get(key=key)
    if email and user.email:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if claimed:
            try:
                send_mail(
                    subject=title,
                    message=f"{body}\n\n{url}".strip(),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[user.email],
                )
            except Exception:
                # Give the e-mail back so a retry sends it.
                Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
                raise
    return notification


@functools.cache
def _redeemed_notice_texts() -> dict[str, str]:
    # In the site's language, as a task would write it: not the cashier's.
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "kind": "voucher_redeemed",
            "title": _("Voucher used at %(store)s"),
            "body": _("How was %(offer)s? Write a review to help others choose."),
            "url": reverse("orders:vouchers"),
        }


def redeemed_notice(*, store_name: str, offer_title: str) -> dict[str, str]:
    """What a consumer is told when a cashier uses their voucher."""
    texts = _redeemed_notice_texts()
    return {
        **texts,
        "title": texts["title"] % {"store": store_name},
        "body": texts["body"] % {"offer": offer_title},
    }


_REDEEMED_NOTICE = rawsql.Insert(
    Notification, ("user_id", "kind", "key", "title", "body", "url", "created_at")
)


def notify_redeemed(*, redemption: Redemption, store_name: str) -> None:
    """The consumer's inbox entry for a use of their voucher (no e-mail: they
    are at the till), written in the redemption's transaction: a prepared
    insert, on every till's hot path. The redemption is new, so its key is
    too: no lookup first. Named by the redemption's key: its id may not be
    known yet (its row is sent with this one)."""
    voucher = redemption.voucher
    notice = redeemed_notice(store_name=store_name, offer_title=voucher.offer.title)
    key = f"{notice['kind']}:{redemption.key}"
    _REDEEMED_NOTICE.run(
        (
            voucher.user_id,
            notice["kind"],
            key,
            notice["title"],
            notice["body"],
            notice["url"],
            timezone.now(),
        )
    )


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notify_expiring_vouchers(
    *, now: datetime | None = None, within: timedelta = timedelta(days=3)
) -> int:
    """Remind consumers of unused vouchers that expire within three days (once each)."""

    now = now or timezone.now()
    vouchers = Voucher.objects.filter(usable(now), expires_at__lte=now + within).select_related(
        "offer", "user"
    )
    sent = 0
    for voucher in vouchers.iterator(chunk_size=500):
        notify(
            user=voucher.user,
            kind="voucher_expiring",
            key=f"voucher_expiring:{voucher.pk}",
            title=_("Your voucher for %(offer)s expires on %(date)s")
            % {"offer": voucher.offer.title, "date": timezone.localtime(voucher.expires_at).date()},
            body=_("Use it before then%(refund)s.")
            % {
                "refund": _(", or it is refunded automatically")
                if voucher.offer.refund_on_expiry
                else ""
            },
            url=reverse("orders:vouchers"),
        )
        sent += 1
    return sent


def send_review_reminders(*, now: datetime | None = None) -> int:
    """A day after a visit, ask for a review of a voucher not reviewed yet (once each)."""

    now = now or timezone.now()
    redemptions = (
        Redemption.objects.filter(
            undone_at__isnull=True,
            created_at__lte=now - timedelta(days=1),
            created_at__gt=now - timedelta(days=8),
            voucher__review__isnull=True,
        )
        .select_related("voucher__offer", "voucher__user")
        .order_by("voucher_id", "-created_at")
    )
    sent = 0
    for redemption in redemptions.iterator(chunk_size=500):
        voucher = redemption.voucher
        notify(
            user=voucher.user,
            kind="review_reminder",
            key=f"review_reminder:{voucher.pk}",
            title=_("How was %(offer)s?") % {"offer": voucher.offer.title},
            body=_("Your review helps others choose, and the merchant improve."),
            url=reverse("orders:review", args=[voucher.pk]),
        )
        sent += 1
    return sent


def send_daily_summaries(*, day: date | None = None) -> int:
    """Each morning, owners and managers get yesterday's numbers (once per day)."""

    day = day or (timezone.localdate() - timedelta(days=1))
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    sent = 0
    managers = Membership.objects.filter(
        role__in=[Membership.Role.OWNER, Membership.Role.MANAGER],
        merchant__status="approved",
    ).select_related("merchant", "user")
    for membership in managers.iterator(chunk_size=500):
        merchant = membership.merchant
        sold = (
            Order.objects.filter(
                offer__merchant=merchant, paid_at__gte=start, paid_at__lt=end
            ).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        redeemed = Redemption.objects.filter(
            voucher__offer__merchant=merchant,
            created_at__gte=start,
            created_at__lt=end,
            undone_at__isnull=True,
        ).count()
        reviews = Review.objects.filter(
            merchant=merchant, created_at__gte=start, created_at__lt=end
        ).count()
        notify(
            user=membership.user,
            kind="daily_summary",
            key=f"daily_summary:{merchant.pk}:{day.isoformat()}:{membership.user_id}",
            title=_("%(merchant)s on %(day)s: %(sold)s sold, %(redeemed)s redeemed")
            % {"merchant": merchant.name, "day": day, "sold": sold, "redeemed": redeemed},
            body=_("%(reviews)s new review(s).") % {"reviews": reviews},
            url=reverse("merchants:dashboard"),
        )
        sent += 1
    return sent


# --- saved deals: on sale, about to end ---------------------------------------

# How far back the periodic job looks for deals that went on sale: far more
# than its period, so a job missed or late still finds them (each saver is
# told once: the notification's key).
ON_SALE_LOOKBACK = timedelta(days=1)


def _notify_savers(
    offer: Offer, savers: list[Favourite], *, kind: str, title: str, body: str
) -> int:
    """Tell each saver once (key `kind:offer:user`), in the inbox only."""
    keys = {favourite.user_id: f"{kind}:{offer.pk}:{favourite.user_id}" for favourite in savers}
    told = set(
        Notification.objects.filter(key__in=list(keys.values())).values_list("key", flat=True)
    )
    url = reverse("offers:detail", args=[offer.pk])
    sent = 0
    for favourite in savers:
        key = keys[favourite.user_id]
        if key in told:
            continue
        notify(
            user=favourite.user, kind=kind, key=key, title=title, body=body, url=url, email=False
        )
        sent += 1
    return sent


def _chunks(favourites: QuerySet[Favourite], size: int = 500) -> Iterator[list[Favourite]]:
    batch: list[Favourite] = []
    for favourite in favourites.iterator(chunk_size=size):
        batch.append(favourite)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _on_sale(offer: Offer, went_on_sale_at: datetime) -> int:
    """Tell who saved the deal before it went on sale (saving it since, they
    saw it on sale)."""
    title = _("A deal you saved is on sale: %(offer)s") % {"offer": offer.title}
    body = _("Now %(price)s. Buy it before it is gone.") % {
        "price": money(offer.price, offer.currency)
    }
    savers = offer_savers(offer.pk).filter(created_at__lt=went_on_sale_at)
    return sum(
        _notify_savers(offer, batch, kind="saved_on_sale", title=title, body=body)
        for batch in _chunks(savers)
    )


def _ending(offer: Offer, now: datetime) -> int:
    title = _("A deal you saved ends soon: %(offer)s") % {"offer": offer.title}
    if offer.sale_ends_at is not None and offer.sale_ends_at <= now + ENDING_WITHIN:
        ends = timezone.localtime(offer.sale_ends_at)
        body = _("The sale ends %(when)s.") % {"when": date_format(ends, "SHORT_DATETIME_FORMAT")}
    else:
        body = _("Only %(n)s left.") % {"n": offer.stock_left}
    return sum(
        _notify_savers(offer, batch, kind="saved_ending", title=title, body=body)
        for batch in _chunks(offer_savers(offer.pk))
    )


def notify_saved_offer_on_sale(*, offer_id: int, now: datetime | None = None) -> int:
    """A deal just went live (an admin approved it): tell who saved it before,
    once each; nothing if it is not on sale yet (its sale starts later: the
    periodic job tells them then)."""
    now = now or timezone.now()
    found = saved_offers_gone_on_sale(since=now - ON_SALE_LOOKBACK, now=now, offer_id=offer_id)
    return sum(_on_sale(offer, moment) for offer, moment in found)


def notify_saved_offers(*, now: datetime | None = None) -> int:
    """The periodic job: saved deals that went on sale (approved, resumed, or
    their sale started) and saved deals about to end (the sale closes within
    a day, or few units are left: offers.selectors.saved_offers_ending). Each
    saver is told once of each, however often it runs."""
    now = now or timezone.now()
    sent = 0
    for offer, moment in saved_offers_gone_on_sale(since=now - ON_SALE_LOOKBACK, now=now):
        sent += _on_sale(offer, moment)
    for offer in saved_offers_ending(now=now):
        sent += _ending(offer, now)
    return sent


# --- "Remind me": coming deals gone on sale -----------------------------------


def _reminder_notice(reminder: Reminder) -> dict[str, str]:
    offer = reminder.offer
    return {
        "kind": "sale_reminder",
        # One per user and deal, whoever reminds them: a second run finds it.
        "key": f"sale_reminder:{offer.pk}:{reminder.user_id}",
        "title": _("On sale now: %(offer)s") % {"offer": offer.title},
        "body": _("You asked us to remind you. Now %(price)s, while stock lasts.")
        % {"price": money(offer.price, offer.currency)},
        "url": reverse("offers:detail", args=[offer.pk]),
    }


def send_sale_reminders(*, now: datetime | None = None) -> int:
    """The periodic job: each reminder of a deal that went on sale becomes one
    inbox notice and one e-mail (offers.selectors.reminders_due: nothing for
    a deal paused or a merchant suspended at the start). Safe to run twice
    or at once: the notice's key makes one row, its `emailed_at` one e-mail,
    and a reminder marked sent is not read again."""
    now = now or timezone.now()
    sent = 0
    batch: list[int] = []
    for reminder in reminders_due(now=now).iterator(chunk_size=500):
        notice = _reminder_notice(reminder)
        notify(
            user=reminder.user,
            kind=notice["kind"],
            key=notice["key"],
            title=notice["title"],
            body=notice["body"],
            url=notice["url"],
        )
        batch.append(reminder.pk)
        if len(batch) == 500:
            sent += reminders_mark_sent(reminder_ids=batch)
            batch = []
    if batch:
        sent += reminders_mark_sent(reminder_ids=batch)
    return sent
