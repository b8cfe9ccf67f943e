"""Admin helpers: run a service over the selected rows and report each outcome."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from o2o.errors import DomainError


def run_service(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    objects: Iterable[Model],
    call: Callable[[Any], Any],
) -> None:
    done = 0
    for obj in objects:
        try:
            call(obj)
        except DomainError as err:
            modeladmin.message_user(request, f"{obj}: {err}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, _("%(n)s done.") % {"n": done}, messages.SUCCESS)


def with_reason(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    queryset: Any,
    *,
    action: str,
    title: Any,
    call: Callable[[Any, str], Any],
    reason_label: Any = None,
) -> TemplateResponse | None:
    """An action that needs a reason someone will see (the merchant, unless
    `reason_label` says who): ask for it first."""
    reason = (request.POST.get("reason") or "").strip()
    if request.POST.get("confirm") and reason:
        run_service(modeladmin, request, queryset, lambda obj: call(obj, reason))
        return None
    if request.POST.get("confirm"):
        modeladmin.message_user(request, _("Please give a reason."), messages.ERROR)
    return TemplateResponse(
        request,
        "admin/reason_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "objects": queryset,
            "action": action,
            "reason_label": reason_label or _("Reason (shown to the merchant)"),
            "opts": modeladmin.model._meta,
        },
    )


class EventInline(admin.TabularInline):  # type: ignore[type-arg]
    """The audit trail of an object: read-only, never added or deleted by hand."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows that change only through services: visible and searchable, not editable."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]
