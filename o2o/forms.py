"""Form helpers shared by every app."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from o2o.http import parse_id


class BootstrapFormMixin:
    """Give every widget Bootstrap's class and mark invalid fields for screen readers."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in getattr(self, "errors", {}):
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class IdField(forms.Field):
    """An id sent in a form or a query string: ASCII digits from 1 to MAX_ID.

    Django's IntegerField takes "١" (an Arabic-Indic one), "1.0" and numbers
    past what the database holds, which then fail in the query (a 500).
    """

    default_error_messages = {"invalid": _("Not a valid id.")}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        parsed = parse_id(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class IdFilter(filters.Filter):
    """A filter on an id column (`?merchant=12`): a bad id is the filter's 400,
    never a query the database refuses."""

    field_class = IdField


class IdModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of one row by id: what cannot be an id is an invalid choice
    before any query. Use it (or the multiple one) for every choice by id."""

    def to_python(self, value: Any) -> Any:
        if _not_an_id(value, self.to_field_name):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A choice of rows by id. Django's own looks them up with an IN list,
    which on SQLite fails for a number past 64 bits (a 500)."""

    def _check_values(self, value: Any) -> Any:
        for item in value:
            if _not_an_id(item, self.to_field_name):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)  # type: ignore[misc]  # Django's, not in the stubs


def _not_an_id(value: Any, to_field_name: str | None) -> bool:
    """A submitted value for a choice by primary key that names no row."""
    if to_field_name is not None or value in forms.Field.empty_values:
        return False
    return isinstance(value, str | int) and parse_id(value) is None
