"""Forms of the merchant dashboard that need only this app: applying, stores,
redeeming, replying (the offer form is `dashboard.forms`: it edits an offer)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from o2o.forms import BootstrapFormMixin, IdModelChoiceField

from .models import Category, City, District, Store
from .services import STORE_FIELDS


class ApplyForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=120)
    category = IdModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    city = IdModelChoiceField(label=_("City"), queryset=City.objects.all())
    description = forms.CharField(
        label=_("Tell customers about your business"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=30)
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    business_licence = forms.CharField(label=_("Business licence number"), max_length=60)
    store_name = forms.CharField(label=_("Store name"), max_length=120)
    district = IdModelChoiceField(
        label=_("District"), queryset=District.objects.select_related("city")
    )
    address = forms.CharField(label=_("Street address"), max_length=255)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    hours = forms.CharField(label=_("Opening hours"), max_length=120, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        city, district = data.get("city"), data.get("district")
        if city and district and district.city_id != city.pk:
            self.add_error("district", _("Choose a district in %(city)s.") % {"city": city})
        return data


class RedeemForm(BootstrapFormMixin, forms.Form):
    store = IdModelChoiceField(label=_("Store"), queryset=Store.objects.none(), empty_label=None)
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
                "placeholder": "XXXX-XXXX-XXXX",
                "class": "redeem-input form-control-lg",
            }
        ),
    )

    def __init__(self, *args: Any, stores: list[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["store"]
        field.queryset = Store.objects.filter(pk__in=[s.pk for s in stores])  # type: ignore[attr-defined]
        if len(stores) == 1:
            field.initial = stores[0].pk


class ReplyForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the merchant)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StoreForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Store
        fields = STORE_FIELDS
        field_classes = {"district": IdModelChoiceField}

    def __init__(self, *args: Any, merchant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.filter(city=merchant.city)  # type: ignore[attr-defined]
