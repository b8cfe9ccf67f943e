from django.contrib import admin

from .models import Payment, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


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
