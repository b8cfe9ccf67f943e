"""Rankings in the admin: to read, never to edit (the job writes them)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Ranking, RankingEntry


class EntryInline(admin.TabularInline):
    model = RankingEntry
    extra = 0
    fields = ("rank", "offer", "score", "metric")
    readonly_fields = fields
    ordering = ("rank",)
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ranking)
class RankingAdmin(admin.ModelAdmin):
    list_display = ("kind", "city", "category", "district", "computed_at")
    list_filter = ("kind", "city")
    list_select_related = ("city", "category", "district")
    readonly_fields = ("city", "kind", "category", "district", "computed_at")
    inlines = (EntryInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
