"""The dashboard's offer form: an offer's fields, its photos and the merchant's
stores it is usable at."""

from decimal import Decimal
from typing import Any

from django import forms
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
