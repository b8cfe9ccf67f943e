"""Rankings' rows, computed by a Celery job (rankings.tasks).

A Ranking is one list (a kind, in a city, optionally narrowed to a category
and/or a district); its entries are replaced together, in one transaction,
each time the job runs (rankings.services.rankings_compute).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Category, City, District
from offers.models import Offer


class Ranking(models.Model):
    class Kind(models.TextChoices):
        MOST_REDEEMED = "most_redeemed", _("Most redeemed")
        BEST_RATED = "best_rated", _("Best rated")
        NEW_RISING = "new_rising", _("New and rising")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="rankings")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="rankings"
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="rankings"
    )
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")
        ordering = ["city_id", "kind", "category_id", "district_id"]
        # One ranking per scope. NULL is never equal to NULL in a unique index
        # (and SQLite has no NULLS NOT DISTINCT), so one partial index per
        # shape of scope: the whole city, a category, a district, both.
        constraints = [
            models.UniqueConstraint(
                fields=["city", "kind"],
                condition=Q(category__isnull=True, district__isnull=True),
                name="ranking_unique_city",
            ),
            models.UniqueConstraint(
                fields=["city", "kind", "category"],
                condition=Q(category__isnull=False, district__isnull=True),
                name="ranking_unique_category",
            ),
            models.UniqueConstraint(
                fields=["city", "kind", "district"],
                condition=Q(category__isnull=True, district__isnull=False),
                name="ranking_unique_district",
            ),
            models.UniqueConstraint(
                fields=["city", "kind", "category", "district"],
                condition=Q(category__isnull=False, district__isnull=False),
                name="ranking_unique_category_district",
            ),
        ]

    def __str__(self) -> str:
        scope = " · ".join(
            str(part) for part in (self.city, self.category, self.district) if part is not None
        )
        return f"{self.get_kind_display()} · {scope}"


class RankingEntry(models.Model):
    """One deal's place in a ranking: its `score` (what orders the list) and
    `metric` (the count behind it, shown on the card: customers who used it,
    reviews counted, customers this week)."""

    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveSmallIntegerField(_("rank"))
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="ranking_entries")
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=4)
    metric = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("ranking entry")
        verbose_name_plural = _("ranking entries")
        ordering = ["ranking_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "rank"], name="ranking_entry_unique_rank"),
            models.UniqueConstraint(fields=["ranking", "offer"], name="ranking_entry_unique_offer"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.offer_id}"
