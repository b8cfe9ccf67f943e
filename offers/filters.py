"""The one set of filters and sorts used by the offer pages and the API."""

import re
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from merchants.models import Category, City, District
from o2o.forms import BootstrapFormMixin, IdFilter

from . import geo, search
from .models import Offer

SORTS = {
    "best_selling": ("-sold_count", "-pk"),
    "rating": ("-rating", "-rating_count", "-pk"),
    "price": ("price", "pk"),
    "price_desc": ("-price", "-pk"),
    "newest": ("-published_at", "-pk"),
}


# Degrees as people and browsers write them: ASCII digits, an optional sign
# and decimal point. float() would also take "nan", "inf", "1e309" (inf),
# "٣١" (other scripts' digits) and "1_0"; Django's DecimalField takes "٣١" too.
_DEGREES = re.compile(r"[-+]?[0-9]{1,3}(?:\.[0-9]{1,15})?")
_KILOMETRES = re.compile(r"\+?[0-9]{1,3}(?:\.[0-9]{1,9})?")


class CoordinateField(forms.Field):
    """A latitude (bound 90) or longitude (bound 180) in decimal degrees."""

    widget = forms.HiddenInput

    def __init__(self, *, bound: int, **kwargs: Any) -> None:
        self.bound = bound
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> float | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        degrees = float(text) if _DEGREES.fullmatch(text) else None
        if degrees is None or abs(degrees) > self.bound:
            raise forms.ValidationError(
                _("Enter degrees from -%(bound)s to %(bound)s, such as 31.2304."),
                code="invalid",
                params={"bound": self.bound},
            )
        return degrees


class CoordinateFilter(filters.Filter):
    field_class = CoordinateField


@extend_schema_field(
    {
        "type": "number",
        "minimum": -90,
        "maximum": 90,
        "description": "Latitude in degrees (WGS-84), with `lng`: each offer's `distance_m`.",
    }
)
class LatitudeFilter(CoordinateFilter):
    pass


@extend_schema_field(
    {
        "type": "number",
        "minimum": -180,
        "maximum": 180,
        "description": "Longitude in degrees (WGS-84), with `lat`.",
    }
)
class LongitudeFilter(CoordinateFilter):
    pass


class RadiusField(forms.Field):
    """A radius in kilometres, above 0 and at most geo.MAX_RADIUS_KM."""

    def to_python(self, value: Any) -> float | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        km = float(text) if _KILOMETRES.fullmatch(text) else None
        if km is None or not 0 < km <= geo.MAX_RADIUS_KM:
            raise forms.ValidationError(
                _("Enter a distance in kilometres, more than 0 and at most %(max)s."),
                code="invalid",
                params={"max": geo.MAX_RADIUS_KM},
            )
        return km


@extend_schema_field(
    {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": geo.MAX_RADIUS_KM,
        "description": "With `lat` and `lng`: only offers with an open store this close (km).",
    }
)
class RadiusFilter(filters.Filter):
    field_class = RadiusField


class PositionFormMixin:
    """A position is both coordinates or neither; a radius and the sort by
    distance need one. Without a position the form offers neither (the
    radius stays a hidden field, the sort by distance is not listed)."""

    fields: dict[str, forms.Field]
    data: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        data = self.data or {}
        if not (data.get("lat") and data.get("lng")):
            self.fields["radius_km"].widget = forms.HiddenInput()
            sort: Any = self.fields["sort"].widget
            sort.choices = [choice for choice in sort.choices if choice[0] != "distance"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()  # type: ignore[misc]
        add_error = self.add_error  # type: ignore[attr-defined]
        lat, lng = data.get("lat"), data.get("lng")
        errors: dict[str, Any] = self.errors  # type: ignore[attr-defined]
        if "lat" in errors or "lng" in errors:
            return data
        if (lat is None) != (lng is None):
            missing = "lng" if lng is None else "lat"
            add_error(missing, _("Give both the latitude and the longitude."))
        elif lat is None:
            if data.get("radius_km") is not None:
                add_error("radius_km", _("A distance needs a position (lat and lng)."))
            if data.get("sort") == "distance":
                add_error("sort", _("Sorting by distance needs a position (lat and lng)."))
        return data


class OfferFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"), max_length=search.QUERY_MAX_LENGTH)
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        field_name="category",
        label=_("Category"),
        empty_label=_("All categories"),
    )
    district = filters.ModelChoiceFilter(
        queryset=District.objects.all(),
        to_field_name="slug",
        method="in_district",
        label=_("District"),
        empty_label=_("All districts"),
    )
    price_min = filters.NumberFilter(
        field_name="price", lookup_expr="gte", label=_("Min price"), min_value=0
    )
    price_max = filters.NumberFilter(
        field_name="price", lookup_expr="lte", label=_("Max price"), min_value=0
    )
    rating_min = filters.NumberFilter(
        field_name="rating", lookup_expr="gte", label=_("Min rating"), min_value=0, max_value=5
    )
    merchant = IdFilter(field_name="merchant_id", label=_("Merchant"))
    sort = filters.ChoiceFilter(
        method="sort_by",
        label=_("Sort by"),
        empty_label=_("Recommended"),
        choices=[
            ("best_selling", _("Best-selling")),
            ("rating", _("Top rated")),
            ("price", _("Price: low to high")),
            ("price_desc", _("Price: high to low")),
            ("newest", _("Newest")),
            ("distance", _("Nearest first")),
        ],
    )
    # A position (and a radius around it): each offer gets `distance_m`, its
    # nearest open store's distance (offers.geo); applied in filter_queryset,
    # before the other filters and the sort, which may use it.
    lat = LatitudeFilter(method="by_position", label=_("Latitude"), bound=90)
    lng = LongitudeFilter(method="by_position", label=_("Longitude"), bound=180)
    radius_km = RadiusFilter(method="by_position", label=_("Within (km)"))

    class Meta:
        model = Offer
        fields: list[str] = []

    def __init__(self, *args: Any, city: City | None = None, **kwargs: Any) -> None:
        """With `city` (the pages' city), the districts offered are its own."""
        super().__init__(*args, **kwargs)
        if city is not None:
            self.filters["district"].queryset = District.objects.filter(city=city)

    def get_form_class(self):  # type: ignore[no-untyped-def]
        return type(
            "OfferFilterForm", (BootstrapFormMixin, PositionFormMixin, super().get_form_class()), {}
        )

    @property
    def position(self) -> geo.Point | None:
        """The position asked for, once the form is valid."""
        data = self.form.cleaned_data
        if data.get("lat") is None or data.get("lng") is None:
            return None
        return geo.Point(data["lat"], data["lng"])

    def filter_queryset(self, queryset: QuerySet[Offer]) -> QuerySet[Offer]:
        point = self.position
        if point is not None:
            queryset = geo.with_distance(
                queryset, point, radius_km=self.form.cleaned_data.get("radius_km")
            )
        return super().filter_queryset(queryset)

    def by_position(self, queryset: QuerySet[Offer], name: str, value: Any) -> QuerySet[Offer]:
        return queryset  # all three at once, in filter_queryset

    def search(self, queryset: QuerySet[Offer], name: str, value: str) -> QuerySet[Offer]:
        """Words in Chinese or English, with or without spaces, pinyin, a
        misspelling (offers.search): the best matches first, unless `sort` asks otherwise."""
        return search.search(queryset, value)

    def in_district(self, queryset: QuerySet[Offer], name: str, value: District) -> QuerySet[Offer]:
        # EXISTS, not a join: a join repeats a deal once per store in the
        # district, and its DISTINCT made the page and its count sort and
        # compare every matching row.
        usable_there = Offer.stores.through.objects.filter(
            offer_id=OuterRef("pk"), store__district=value
        )
        return queryset.filter(Exists(usable_there))

    def sort_by(self, queryset: QuerySet[Offer], name: str, value: str) -> QuerySet[Offer]:
        if value == "distance":  # the form made sure there is a position
            return geo.by_distance(queryset)
        return queryset.order_by(*SORTS.get(value, ()))
