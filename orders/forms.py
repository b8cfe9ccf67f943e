"""Checkout and review forms."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from o2o.forms import BootstrapFormMixin


class CheckoutForm(BootstrapFormMixin, forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=settings.MAX_ORDER_QUANTITY,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    coupon = forms.ChoiceField(
        label=_("Coupon"), required=False, widget=forms.RadioSelect, choices=()
    )
    promo_code = forms.CharField(
        label=_("Promo code"),
        required=False,
        max_length=32,
        help_text=_("Have a code? It is used instead of a coupon above."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(
        self,
        *args: object,
        max_quantity: int,
        coupons: Sequence[tuple[str, str]] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["quantity"]
        field.widget.attrs["max"] = max(max_quantity, 1)
        field.help_text = _("You can buy up to %(n)s.") % {"n": max_quantity}
        choice: Any = self.fields["coupon"]
        choice.choices = [("", _("No coupon")), *coupons]


class ReviewForm(BootstrapFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, n) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your review"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": _("What did you have? How was the service?"),
            }
        ),
    )
