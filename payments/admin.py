from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from o2o.admin import ReadOnlyAdmin

from . import services
from .models import Payment, Refund, WebhookEvent


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "order",
        "gateway",
        "amount",
        "currency",
        "status",
        "reference",
        "created_at",
    )
    list_filter = ("status", "gateway")
    search_fields = ("reference", "order__pk", "order__user__email")


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
