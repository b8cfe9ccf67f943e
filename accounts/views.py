"""Sign up, log in, log out.

Sign-up and log-in attempts (POSTs) are limited per client address, in one
budget with the API's (o2o.ratelimit); django-axes also locks an e-mail after
repeated wrong passwords from one address.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from o2o import ratelimit
from o2o.http import client_ip, safe_next

from . import services
from .forms import LoginForm, SignUpForm
from .referrals import referral_code, referrer_for


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, settings.LOGIN_REDIRECT_URL)


def _too_many_attempts(
    request: HttpRequest, template: str, form: SignUpForm | LoginForm, wait: int
) -> HttpResponse:
    """The form again, with why it was not looked at.

    The form is a fresh one (the e-mail kept): judging the one sent would
    check the password or say whether the e-mail has an account, which is
    what the limit is there to slow down.
    """
    refusal = ngettext(
        "Too many sign-up and log-in attempts from your network. "
        "Please wait %(seconds)d second and try again.",
        "Too many sign-up and log-in attempts from your network. "
        "Please wait %(seconds)d seconds and try again.",
        wait,
    ) % {"seconds": wait}
    context = {"form": form, "next": _next_url(request), "refusal": refusal}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _sent_email(request: HttpRequest) -> dict[str, str]:
    return {"email": request.POST.get("email", "")}


def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        wait = ratelimit.attempt(request, scope="auth")
        if wait is not None:
            form = SignUpForm(initial=_sent_email(request))
            return _too_many_attempts(request, "accounts/signup.html", form, wait)
    form = SignUpForm(request.POST or None)
    # The friend whose share link brought the visitor (remembered in the session).
    referrer = referrer_for(referral_code(request))
    if request.method == "POST" and form.is_valid():
        user = services.user_register(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            referrer=referrer,
            address=client_ip(request),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request), "referrer": referrer}
    return render(request, "accounts/signup.html", context)


def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        wait = ratelimit.attempt(request, scope="auth")
        if wait is not None:
            form = LoginForm(request, initial=_sent_email(request))
            return _too_many_attempts(request, "accounts/login.html", form, wait)
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
