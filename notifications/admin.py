from django.contrib import admin

from o2o.models import DeferredTask

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "title", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "title", "key")
    raw_id_fields = ("user",)


@admin.register(DeferredTask)
class DeferredTaskAdmin(admin.ModelAdmin):
    """Jobs that waited for the broker; unsent ones are retried every minute."""

    list_display = ("name", "args", "attempts", "created_at", "sent_at")
    list_filter = ("name",)
    readonly_fields = ("name", "args", "error", "attempts", "created_at", "sent_at")
