"""The rankings pages' filters: a category and a district of the city, by slug."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from merchants.models import Category, City, District
from o2o.forms import BootstrapFormMixin

from .selectors import is_slug


class SlugChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not is_slug(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class RankingFilterForm(BootstrapFormMixin, forms.Form):
    category = SlugChoiceField(
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        label=_("Category"),
        empty_label=_("All categories"),
    )
    district = SlugChoiceField(
        queryset=District.objects.none(),
        to_field_name="slug",
        required=False,
        label=_("District"),
        empty_label=_("All districts"),
    )

    def __init__(self, data: Any, *, city: City | None) -> None:
        super().__init__(data)
        if city is not None:
            self.fields["district"].queryset = city.districts.order_by("slug")  # type: ignore[attr-defined]
