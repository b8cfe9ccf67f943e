from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User, UserNetwork


class UserNetworkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = UserNetwork
    extra = 0
    can_delete = False
    fields = ("network", "at_signup", "last_seen")
    readonly_fields = fields
    ordering = ("-last_seen",)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
        (_("Invitations"), {"fields": ("referral_code", "referred_by")}),
    )
    readonly_fields = ("referral_code", "referred_by")
    inlines = (UserNetworkInline,)
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
