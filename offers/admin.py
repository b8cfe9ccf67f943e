from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from o2o.admin import EventInline, run_service, with_reason

from . import services
from .models import Favourite, Offer, OfferEvent, OfferImage, Reminder


class OfferImageInline(admin.TabularInline):
    model = OfferImage
    extra = 0


class OfferEventInline(EventInline):
    model = OfferEvent
    fields = ("created_at", "from_status", "to_status", "reason", "by")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "merchant",
        "price",
        "list_price",
        "status",
        "stock_left",
        "sold_count",
        "rating",
    )
    list_filter = ("status", "category", "refundable", "booking_required")
    search_fields = ("title", "merchant__name")
    raw_id_fields = ("merchant",)
    filter_horizontal = ("stores",)
    readonly_fields = (
        "status",
        "status_reason",
        "published_at",
        "stock_left",
        "sold_count",
        "view_count",
        "rating",
        "rating_count",
        "rating_sum",
    )
    inlines = (OfferImageInline, OfferEventInline)
    actions = ("approve", "reject")

    @admin.action(description=_("Approve selected deals"))
    def approve(self, request, queryset):  # type: ignore[no-untyped-def]
        run_service(
            self, request, queryset, lambda o: services.offer_approve(offer=o, by=request.user)
        )

    @admin.action(description=_("Reject selected deals…"))
    def reject(self, request, queryset):  # type: ignore[no-untyped-def]
        return with_reason(
            self,
            request,
            queryset,
            action="reject",
            title=_("Reject deals"),
            call=lambda o, reason: services.offer_reject(offer=o, by=request.user, reason=reason),
        )


@admin.register(Favourite)
class FavouriteAdmin(admin.ModelAdmin):
    list_display = ("user", "offer", "created_at")
    raw_id_fields = ("user", "offer")


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Who asked to be reminded of which coming deal, and when they were told:
    read only (consumers set them; the job sends them)."""

    list_display = ("user", "offer", "created_at", "sent_at")
    raw_id_fields = ("user", "offer")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
