"""Pages of a list that read their rows and the total in one query."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

# Past this many rows a page number is not read (it would be an OFFSET the
# database refuses): such a page is the last page, as Django's paginator says.
MAX_OFFSET = 1_000_000


class OneQueryPaginator(Paginator):
    """A paginator of a queryset whose page carries the total (COUNT(*) OVER ()),
    so a list and its "N deals" cost one query, not a COUNT that runs the same
    filters (and search) again first. An empty page past the end falls back
    to Django's paginator: count, then show the last page."""

    def get_page(self, number: Any) -> Page:
        try:
            wanted = self.validate_number_shape(number)
        except (TypeError, ValueError):
            wanted = 1
        bottom = (wanted - 1) * self.per_page
        if bottom <= MAX_OFFSET:
            queryset: QuerySet[Any] = self.object_list  # type: ignore[assignment]
            counted = queryset.annotate(page_total=Window(Count("*")))
            rows = list(counted[bottom : bottom + self.per_page])
            if rows or wanted == 1:
                self.__dict__["count"] = rows[0].page_total if rows else 0
                return Page(rows, wanted, self)
        return super().get_page(number)

    @staticmethod
    def validate_number_shape(number: Any) -> int:
        """A page number as Django's paginator reads one (at least 1), without counting."""
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        wanted = int(number)
        if wanted < 1:
            raise ValueError
        return wanted
