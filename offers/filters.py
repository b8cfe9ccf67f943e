"""The one set of filters and sorts used by the offer pages and the API."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from merchants.models import Category, District
from o2o.forms import BootstrapFormMixin, IdFilter

from . import search
from .models import Offer

SORTS = {
    "best_selling": ("-sold_count", "-pk"),
    "rating": ("-rating", "-rating_count", "-pk"),
    "price": ("price", "pk"),
    "price_desc": ("-price", "-pk"),
    "newest": ("-published_at", "-pk"),
}


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
        ],
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def get_form_class(self):  # type: ignore[no-untyped-def]
        return type("OfferFilterForm", (BootstrapFormMixin, super().get_form_class()), {})

    def search(self, queryset: QuerySet[Offer], name: str, value: str) -> QuerySet[Offer]:
        """Words in Chinese or English, with or without spaces, pinyin, a
        misspelling (offers.search): the best matches first, unless `sort` asks otherwise."""
        return search.search(queryset, value)

    def in_district(self, queryset: QuerySet[Offer], name: str, value: District) -> QuerySet[Offer]:
        return queryset.filter(stores__district=value).distinct()

    def sort_by(self, queryset: QuerySet[Offer], name: str, value: str) -> QuerySet[Offer]:
        return queryset.order_by(*SORTS.get(value, ()))
