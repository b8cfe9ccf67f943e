"""Verified reviews of redeemed vouchers, and merchants' replies."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from o2o.models import TimeStamped
from offers.models import Offer
from orders.models import Voucher


class Review(TimeStamped):
    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden by moderation")

    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="review")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="reviews")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("your review"), max_length=2000)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.VISIBLE, db_index=True
    )
    moderation_reason = models.CharField(_("moderation reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.offer}"


class ReviewReply(TimeStamped):
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    text = models.TextField(_("reply"), max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("merchant reply")
        verbose_name_plural = _("merchant replies")
