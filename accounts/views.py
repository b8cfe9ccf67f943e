"""Sign up, log in, log out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.http import safe_next

from . import services
from .forms import LoginForm, SignUpForm


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, settings.LOGIN_REDIRECT_URL)


def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_register(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect(_next_url(request))
    return render(request, "accounts/signup.html", {"form": form, "next": _next_url(request)})


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user)
        return redirect(_next_url(request))
    if getattr(request, "axes_locked_out", False):
        return render(request, "accounts/locked_out.html", status=429)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseRedirect:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("offers:home")
