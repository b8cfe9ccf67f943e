from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from o2o.admin import EventInline, ReadOnlyAdmin, run_service

from . import services
from .models import (
    LedgerEntry,
    Payment,
    PaymentEvent,
    Refund,
    SettlementStatement,
    WebhookEvent,
)
from .settlement import statement_mark_paid


class PaymentEventInline(EventInline):
    model = PaymentEvent
    fields = ("created_at", "kind", "from_status", "to_status", "note")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "order",
        "gateway",
        "method",
        "amount",
        "currency",
        "status",
        "reference",
        "created_at",
    )
    list_filter = ("status", "gateway", "method")
    search_fields = ("reference", "order__pk", "order__user__email")
    inlines = (PaymentEventInline,)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("pk", "payment", "voucher", "amount", "status", "reason", "created_at")
    list_filter = ("status", "reason")
    search_fields = ("reference", "voucher__code")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type", "gateway")
    search_fields = ("event_id", "type", "error")
    actions = ("retry",)

    @admin.action(description=_("Process selected events again"))
    def retry(self, request, queryset):  # type: ignore[no-untyped-def]
        for event in queryset:
            try:
                event = services.webhook_process(event_pk=event.pk)
            except Exception as err:  # shown to the admin; the event keeps the error
                self.message_user(request, f"{event}: {err!r}", messages.ERROR)
            else:
                self.message_user(request, f"{event}: {event.get_status_display()}")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "account",
        "amount",
        "currency",
        "merchant",
        "order",
        "source",
    )
    list_filter = ("kind", "account")
    search_fields = ("source", "transfer", "order__pk", "merchant__name")


@admin.register(SettlementStatement)
class SettlementStatementAdmin(ReadOnlyAdmin):
    list_display = (
        "merchant",
        "period_start",
        "period_end",
        "vouchers",
        "gross",
        "commission",
        "net",
        "status",
        "paid_at",
    )
    list_filter = ("status", "period_end")
    search_fields = ("merchant__name",)
    actions = ("mark_paid",)

    @admin.action(description=_("Mark selected statements as paid"))
    def mark_paid(self, request, queryset):  # type: ignore[no-untyped-def]
        run_service(
            self,
            request,
            queryset,
            lambda s: statement_mark_paid(statement_id=s.pk, by=request.user),
        )
