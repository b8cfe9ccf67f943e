from django.contrib import admin

from o2o.admin import ReadOnlyAdmin

from .models import Payment, Refund


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
