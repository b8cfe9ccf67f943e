from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from o2o.admin import EventInline, ReadOnlyAdmin, run_service

from . import services
from .models import Order, OrderEvent, Redemption, Voucher


class OrderEventInline(EventInline):
    model = OrderEvent
    fields = ("created_at", "kind", "from_status", "to_status", "note", "by")


class VoucherInline(admin.TabularInline):
    model = Voucher
    extra = 0
    can_delete = False
    fields = ("number", "code", "status", "uses_left", "expires_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("pk", "user", "offer", "quantity", "total", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("pk", "user__email", "offer__title")
    inlines = (VoucherInline, OrderEventInline)
    date_hierarchy = "created_at"


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ("code", "offer", "user", "status", "uses_left", "uses_allowed", "expires_at")
    list_filter = ("status",)
    search_fields = ("code", "user__email", "offer__title")
    actions = ("refund",)

    @admin.action(description=_("Refund selected vouchers"))
    def refund(self, request, queryset):  # type: ignore[no-untyped-def]
        run_service(
            self,
            request,
            queryset,
            lambda v: services.voucher_refund(
                voucher_id=v.pk, by=request.user, reason=services.RefundReason.ADMIN
            ),
        )


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("voucher", "store", "by", "created_at", "undone_at")
    search_fields = ("voucher__code", "store__name")
