from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from o2o.admin import run_service

from . import services
from .models import Order, OrderEvent, Redemption, Voucher


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "kind", "from_status", "to_status", "note", "by")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class VoucherInline(admin.TabularInline):
    model = Voucher
    extra = 0
    can_delete = False
    fields = ("number", "code", "status", "uses_left", "expires_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ReadOnlyStatusAdmin(admin.ModelAdmin):
    """Lifecycles move only through services: nothing here is editable by hand."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]


@admin.register(Order)
class OrderAdmin(ReadOnlyStatusAdmin):
    list_display = ("pk", "user", "offer", "quantity", "total", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("pk", "user__email", "offer__title")
    inlines = (VoucherInline, OrderEventInline)
    date_hierarchy = "created_at"


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyStatusAdmin):
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
class RedemptionAdmin(ReadOnlyStatusAdmin):
    list_display = ("voucher", "store", "by", "created_at", "undone_at")
    search_fields = ("voucher__code", "store__name")
