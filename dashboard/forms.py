"""The dashboard's offer form: an offer's fields, its photos and the merchant's
stores it is usable at."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from merchants.models import Store
from o2o.forms import BootstrapFormMixin, IdModelChoiceField, IdModelMultipleChoiceField
from o2o.images import BoundedImageFormField, limits_text
from offers.models import Offer
from offers.services import EDITABLE_FIELDS


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(BoundedImageFormField):
    """Several photos in one input (Django's documented recipe), each held to
    the upload limits; every refused photo is named in the errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:  # type: ignore[override]
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned: list[Any] = []
        errors: list[forms.ValidationError] = []
        for upload in files:
            try:
                cleaned.append(super().clean(upload, initial))
            except forms.ValidationError as err:
                name = getattr(upload, "name", "")
                errors.extend(
                    forms.ValidationError(
                        _("%(file)s: %(error)s"),
                        code=e.code,
                        params={"file": name, "error": " ".join(e.messages)},
                    )
                    for e in err.error_list
                )
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class OfferForm(BootstrapFormMixin, forms.ModelForm):
    gallery = MultipleImageField(
        label=_("More photos"),
        required=False,
        help_text=format_lazy(
            "{} {}", _("Up to 8 photos of the place, the dishes or the service."), limits_text()
        ),
    )
    stores = IdModelMultipleChoiceField(
        label=_("Usable at stores"),
        queryset=Store.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Offer
        fields = list(EDITABLE_FIELDS)  # the service decides what a merchant may edit
        field_classes = {"category": IdModelChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "includes": forms.Textarea(attrs={"rows": 4}),
            "fine_print": forms.Textarea(attrs={"rows": 3}),
            "sale_starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "sale_ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args: Any, merchant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stores"].queryset = merchant.stores.filter(is_active=True)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["stores"].initial = list(self.instance.stores.all())
        for name in ("price", "list_price"):
            self.fields[name].min_value = Decimal("0.01")  # type: ignore[attr-defined]
        # ModelForm would call model.full_clean's checks too late: the service validates.
        self.fields["image"].required = False

    def clean_gallery(self) -> list[Any]:
        images = self.cleaned_data.get("gallery") or []
        if len(images) > 8:
            raise forms.ValidationError(_("Choose at most 8 photos."))
        return images


class CampaignForm(BootstrapFormMixin, forms.Form):
    """A merchant's coupon campaign (orders.services.coupons.campaign_create)."""

    title = forms.CharField(label=_("Title"), max_length=80)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("amount", _("Amount off (¥)")), ("percent", _("Percent off"))],
    )
    value = forms.DecimalField(
        label=_("Value"), min_value=Decimal("0.01"), max_digits=8, decimal_places=2
    )
    max_discount = forms.DecimalField(
        label=_("Largest discount (¥)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        help_text=_("For a percentage: the most one coupon takes off."),
    )
    min_spend = forms.DecimalField(
        label=_("Minimum spend (¥)"),
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        initial=Decimal("0"),
    )
    offers = IdModelMultipleChoiceField(
        label=_("Deals it applies to"),
        queryset=Offer.objects.none(),
        required=False,
        help_text=_("None chosen: every deal of yours."),
        widget=forms.CheckboxSelectMultiple,
    )
    audience = forms.ChoiceField(
        label=_("Who may claim"),
        choices=[("anyone", _("Anyone")), ("past_buyers", _("Your past customers"))],
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days after claiming)"),
        min_value=1,
        max_value=365,
        initial=7,
        required=False,
        help_text=_("Or leave it empty and give fixed dates below."),
    )
    valid_from = forms.DateField(
        label=_("Usable from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: as soon as it is claimed."),
    )
    valid_until = forms.DateField(
        label=_("Usable until (the whole day)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    quantity = forms.IntegerField(
        label=_("Coupons in all"), min_value=1, max_value=1_000_000, required=False,
        help_text=_("Empty: no limit."),
    )  # fmt: skip
    per_user_limit = forms.IntegerField(
        label=_("Per customer"), min_value=1, max_value=100, initial=1
    )

    def __init__(self, *args: Any, merchant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offers: Any = self.fields["offers"]
        offers.queryset = Offer.objects.filter(merchant=merchant).order_by("-pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "percent" and data.get("value") and data["value"] > 100:
            self.add_error("value", _("A percentage is at most 100."))
        if (
            not data.get("valid_days")
            and not data.get("valid_until")
            and not self.has_error("valid_days")
        ):
            self.add_error(
                "valid_days", _("Say for how many days a coupon is valid, or until when.")
            )
        # Days in the site's time zone: from the start of the first to the end of the last.
        if data.get("valid_from"):
            data["valid_from"] = day_start(data["valid_from"])
        if data.get("valid_until"):
            last = datetime.combine(data["valid_until"], time.max)
            data["valid_until"] = timezone.make_aware(last)
        return data


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
