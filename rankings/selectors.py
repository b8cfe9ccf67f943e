"""Reads of the computed rankings, as pages and the API show them: only deals
on sale now (offers.selectors.visible_offers), numbered 1, 2, 3… in the order
computed, so a deal paused since the job ran leaves no gap."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from merchants.models import Category, City, District, Store
from o2o.errors import NotFound
from offers.models import Offer
from offers.selectors import visible_offers

from .models import Ranking, RankingEntry

KINDS: tuple[str, ...] = tuple(Ranking.Kind.values)

# What a slug can be (Django's SlugField): anything else names nothing, and
# is refused before a query (a NUL character is an error on PostgreSQL).
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def label(kind: str) -> str:
    """The kind's name for people, in the active language."""
    return str(Ranking.Kind(kind).label)


def is_slug(value: object) -> bool:
    return isinstance(value, str) and SLUG.fullmatch(value) is not None


@dataclass(frozen=True)
class RankedOffer:
    rank: int
    offer: Offer
    score: Decimal
    metric: int


@dataclass
class RankingList:
    kind: str
    city: City
    category: Category | None
    district: District | None
    computed_at: datetime | None  # None: not computed yet
    results: list[RankedOffer] = field(default_factory=list)

    @property
    def label(self) -> str:
        return label(self.kind)


def rankings(
    *,
    city: City,
    kinds: tuple[str, ...] = KINDS,
    category: Category | None = None,
    district: District | None = None,
    limit: int | None = None,
) -> list[RankingList]:
    """The city's rankings of `kinds` (in that order) for a category and/or
    district (None: all), each with at most `limit` deals. Three queries
    whatever the number of kinds: the rankings, their entries with their
    deals, and the deals' stores."""
    found = {
        ranking.kind: ranking
        for ranking in Ranking.objects.filter(
            city=city, kind__in=kinds, category=category, district=district
        )
    }
    entries: dict[int, list[RankedOffer]] = {ranking.pk: [] for ranking in found.values()}
    if found:
        rows = (
            RankingEntry.objects.filter(
                ranking__in=list(entries), offer__in=visible_offers().values("pk")
            )
            .select_related("offer__merchant", "offer__category")
            .prefetch_related(
                Prefetch(
                    "offer__stores",
                    queryset=Store.objects.select_related("district").order_by("pk"),
                )
            )
            .order_by("ranking_id", "rank")
        )
        for row in rows:
            listed = entries[row.ranking_id]
            if limit is None or len(listed) < limit:
                listed.append(RankedOffer(len(listed) + 1, row.offer, row.score, row.metric))
    result = []
    for kind in kinds:
        ranking = found.get(kind)
        result.append(
            RankingList(
                kind=kind,
                city=city,
                category=category,
                district=district,
                computed_at=ranking.computed_at if ranking else None,
                results=entries[ranking.pk] if ranking else [],
            )
        )
    return result


def ranking(
    *,
    city: City,
    kind: str,
    category: Category | None = None,
    district: District | None = None,
    limit: int | None = None,
) -> RankingList:
    """One ranking (see `rankings`)."""
    (found,) = rankings(city=city, kinds=(kind,), category=category, district=district, limit=limit)
    return found


def scope(
    *, city: str | None, category: str | None, district: str | None, default_city: City | None
) -> tuple[City, Category | None, District | None]:
    """The city, category and district named by their slugs (the API's query),
    the city `default_city` when none is named. Refuses a slug that names
    nothing with its NotFound (`city_not_found`, `category_not_found`,
    `district_not_found`: a district of another city is none of this one)."""
    found_city = (
        (City.objects.filter(slug=city).first() if is_slug(city) else None)
        if city is not None
        else default_city
    )
    if found_city is None:
        raise NotFound("city_not_found", _("There is no such city."))
    found_category = None
    if category is not None:
        found_category = (
            Category.objects.filter(slug=category).first() if is_slug(category) else None
        )
        if found_category is None:
            raise NotFound("category_not_found", _("There is no such category."))
    found_district = None
    if district is not None:
        found_district = (
            District.objects.filter(city=found_city, slug=district).first()
            if is_slug(district)
            else None
        )
        if found_district is None:
            raise NotFound("district_not_found", _("There is no such district in this city."))
    return found_city, found_category, found_district
