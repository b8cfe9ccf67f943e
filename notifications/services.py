"""Sending notifications: one inbox row per key, e-mailed at most once."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

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


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
