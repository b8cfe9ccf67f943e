"""The in-app inbox."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.errors import NotFound
from o2o.http import parse_id, refusal_page

from .models import Notification
from .services import notification_mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user)[:100]  # type: ignore[misc]
    return render(request, "notifications/inbox.html", {"items": items})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or, without one, all of them read."""
    raw = request.POST.get("id") or None
    notification_id = parse_id(raw)
    if raw is not None and notification_id is None:
        # Not "all of them": a bad id marks nothing.
        return refusal_page(
            request,
            NotFound("notification_not_found", _("No such notification.")),
            back="notifications:inbox",
        )
    notification_mark_read(user=request.user, notification_id=notification_id)  # type: ignore[arg-type]
    return redirect("notifications:inbox")
