"""Sending notifications: one inbox row per key, e-mailed at most once."""

import functools
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from merchants.models import Membership
from o2o import rawsql
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
