"""The in-app inbox."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .services import notification_mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user)[:100]  # type: ignore[misc]
    return render(request, "notifications/inbox.html", {"items": items})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponseRedirect:
    raw = request.POST.get("id")
    notification_mark_read(
        user=request.user,  # type: ignore[arg-type]
        notification_id=int(raw) if raw and raw.isdigit() else None,
    )
    return redirect("notifications:inbox")
