from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from o2o.admin import EventInline, run_service, with_reason

from . import services
from .models import (
    BusinessArea,
    Category,
    City,
    District,
    Membership,
    Merchant,
    MerchantEvent,
    Store,
)

# The names are edited in both languages (modeltranslation's tabs per field).


@admin.register(City)
class CityAdmin(TranslationAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(District)
class DistrictAdmin(TranslationAdmin):
    list_display = ("name", "city")
    list_filter = ("city",)
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(BusinessArea)
class BusinessAreaAdmin(TranslationAdmin):
    list_display = ("name", "district", "city")
    list_filter = ("city",)
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ("name", "slug", "icon", "position")
    prepopulated_fields = {"slug": ("name_en",)}


class StoreInline(admin.TabularInline):
    model = Store
    extra = 0
    fields = ("name", "district", "address", "phone", "hours", "is_active")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    filter_horizontal = ("stores",)


class MerchantEventInline(EventInline):
    model = MerchantEvent
    fields = ("created_at", "from_status", "to_status", "reason", "by")


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "city", "status", "rating", "created_at")
    list_filter = ("status", "category", "city")
    search_fields = ("name", "email", "phone", "business_licence")
    readonly_fields = ("status", "status_reason", "rating", "rating_count", "rating_sum")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (StoreInline, MembershipInline, MerchantEventInline)
    actions = ("approve", "reject", "suspend", "reinstate")

    @admin.action(description=_("Approve selected merchants"))
    def approve(self, request, queryset):  # type: ignore[no-untyped-def]
        run_service(
            self,
            request,
            queryset,
            lambda m: services.merchant_approve(merchant=m, by=request.user),
        )

    @admin.action(description=_("Reject selected merchants…"))
    def reject(self, request, queryset):  # type: ignore[no-untyped-def]
        return with_reason(
            self,
            request,
            queryset,
            action="reject",
            title=_("Reject merchants"),
            call=lambda m, reason: services.merchant_reject(
                merchant=m, by=request.user, reason=reason
            ),
        )

    @admin.action(description=_("Suspend selected merchants…"))
    def suspend(self, request, queryset):  # type: ignore[no-untyped-def]
        return with_reason(
            self,
            request,
            queryset,
            action="suspend",
            title=_("Suspend merchants"),
            call=lambda m, reason: services.merchant_suspend(
                merchant=m, by=request.user, reason=reason
            ),
        )

    @admin.action(description=_("Reinstate selected merchants"))
    def reinstate(self, request, queryset):  # type: ignore[no-untyped-def]
        run_service(
            self,
            request,
            queryset,
            lambda m: services.merchant_reinstate(merchant=m, by=request.user),
        )


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "district", "business_area", "phone", "is_active")
    list_filter = ("district", "is_active")
    search_fields = ("name", "merchant__name", "address")
    raw_id_fields = ("merchant",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "merchant", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "merchant__name")
    raw_id_fields = ("user", "merchant")
    filter_horizontal = ("stores",)
