from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from o2o.admin import run_service, with_reason

from . import services
from .models import Review, ReviewReply


class ReplyInline(admin.StackedInline):
    model = ReviewReply
    extra = 0
    readonly_fields = ("text", "by", "created_at")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("offer", "merchant", "user", "rating", "status", "created_at")
    list_filter = ("status", "rating")
    search_fields = ("text", "offer__title", "user__email")
    readonly_fields = (
        "voucher",
        "user",
        "offer",
        "merchant",
        "rating",
        "text",
        "status",
        "moderation_reason",
    )
    inlines = (ReplyInline,)
    actions = ("hide", "restore")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description=_("Hide selected reviews…"))
    def hide(self, request, queryset):  # type: ignore[no-untyped-def]
        return with_reason(
            self,
            request,
            queryset,
            action="hide",
            title=_("Hide reviews"),
            reason_label=_("Reason (shown to the reviewer)"),
            call=lambda r, reason: services.review_hide(
                review_id=r.pk, by=request.user, reason=reason
            ),
        )

    @admin.action(description=_("Restore selected reviews"))
    def restore(self, request, queryset):  # type: ignore[no-untyped-def]
        run_service(
            self,
            request,
            queryset,
            lambda r: services.review_restore(review_id=r.pk, by=request.user),
        )
