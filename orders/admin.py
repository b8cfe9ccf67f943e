from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from o2o.admin import EventInline, ReadOnlyAdmin, run_service
from o2o.errors import DomainError
from o2o.templatetags.market import money

from . import selectors, services
from .models import Coupon, CouponCampaign, Order, OrderEvent, Redemption, ReferralReward, Voucher


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


@admin.register(CouponCampaign)
class CouponCampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every campaign, the platform's and the merchants': what each has
    issued and how many were used; pause, resume or stop any."""

    list_display = (
        "title", "merchant", "kind", "value", "min_spend", "scope", "audience",
        "issued_count", "quantity", "used", "revenue", "cost", "status",
    )  # fmt: skip
    list_filter = ("status", "kind", "scope", "audience", "grant_on_signup", "grant_on_referral")
    search_fields = ("title", "promo_code", "merchant__name")
    readonly_fields = ("issued_count", "status")
    filter_horizontal = ("scope_offers",)
    raw_id_fields = ("merchant", "scope_merchant")
    actions = ("pause", "resume", "stop", "grant")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return selectors.with_results(super().get_queryset(request).select_related("merchant"))

    @admin.display(description=_("used"), ordering="used")
    def used(self, campaign: CouponCampaign) -> int:
        return campaign.used  # type: ignore[attr-defined,no-any-return]

    @admin.display(description=_("revenue with it"), ordering="revenue")
    def revenue(self, campaign: CouponCampaign) -> str:
        return money(campaign.revenue, campaign.currency)  # type: ignore[attr-defined]

    @admin.display(description=_("cost"), ordering="cost")
    def cost(self, campaign: CouponCampaign) -> str:
        return money(campaign.cost, campaign.currency)  # type: ignore[attr-defined]

    @admin.action(description=_("Grant a coupon to customers…"))
    def grant(self, request, queryset):  # type: ignore[no-untyped-def]
        """红包 by hand: one campaign, the customers named by e-mail."""
        campaigns = list(queryset[:2])
        if len(campaigns) != 1:
            self.message_user(request, _("Choose one campaign to grant."), messages.ERROR)
            return None
        campaign = campaigns[0]
        emails = request.POST.get("emails", "")
        if request.POST.get("confirm") and emails.strip():
            try:
                results = services.coupons_grant_by_admin(
                    campaign_id=campaign.pk,
                    emails=emails.replace(",", " ").split(),
                    by=request.user,
                )
            except DomainError as err:
                self.message_user(request, str(err), messages.ERROR)
                return None
            granted = [e for e, outcome in results.items() if outcome == "granted"]
            refused = [f"{e} ({outcome})" for e, outcome in results.items() if outcome != "granted"]
            if granted:
                self.message_user(
                    request,
                    _("%(n)s coupons granted.") % {"n": len(granted)},
                    messages.SUCCESS,
                )
            if refused:
                self.message_user(
                    request,
                    _("Not granted: %(list)s") % {"list": ", ".join(refused)},
                    messages.WARNING,
                )
            return None
        return TemplateResponse(
            request,
            "admin/orders/grant_coupons.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Grant coupons of %(campaign)s") % {"campaign": campaign},
                "campaign": campaign,
                "most": services.ADMIN_GRANT_MAX,
                "opts": self.model._meta,
            },
        )

    def _set(self, request, queryset, status):  # type: ignore[no-untyped-def]
        run_service(
            self,
            request,
            queryset,
            lambda c: services.campaign_set_status(
                campaign_id=c.pk, status=status, by=request.user
            ),
        )

    @admin.action(description=_("Pause selected campaigns"))
    def pause(self, request, queryset):  # type: ignore[no-untyped-def]
        self._set(request, queryset, CouponCampaign.Status.PAUSED)

    @admin.action(description=_("Resume selected campaigns"))
    def resume(self, request, queryset):  # type: ignore[no-untyped-def]
        self._set(request, queryset, CouponCampaign.Status.ACTIVE)

    @admin.action(description=_("Stop selected campaigns (for good)"))
    def stop(self, request, queryset):  # type: ignore[no-untyped-def]
        self._set(request, queryset, CouponCampaign.Status.STOPPED)


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "user", "source", "status", "valid_until", "order", "used_at")
    list_filter = ("status", "source")
    search_fields = ("user__email", "campaign__title")


@admin.register(ReferralReward)
class ReferralRewardAdmin(ReadOnlyAdmin):
    """Each referred customer's first paid order: rewarded, or why not
    (reasons the customers are never shown)."""

    list_display = ("created_at", "referrer", "referred", "order", "outcome", "reason")
    list_filter = ("outcome", "reason")
    search_fields = ("referrer__email", "referred__email")
    list_select_related = ("referrer", "referred", "order__offer")
