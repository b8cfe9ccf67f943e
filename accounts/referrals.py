"""Share links carry the sharer's referral code (`?ref=<code>`); the code a
visitor arrived with is remembered in their session.

Only remembered: what a referral earns is decided later, at sign-up or
purchase, from the database, never from this session value alone (a visitor
can put any real code in a link). A malformed code, an unknown one, one of
an inactive user and the visitor's own are ignored; the first good code of a
session is kept (a later link does not take the credit from the first).

The visitor is then sent on to the same address without `ref`: the page
they see is the one every other visitor gets, so the page cache
(o2o.pagecache, keyed by the full address) keeps one copy per page rather
than one per sharer, and the code never sits in an address bar to be
re-shared by someone else.
"""

import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.http import url_has_allowed_host_and_scheme

from .models import REFERRAL_ALPHABET, User

REF_PARAM = "ref"
SESSION_KEY = "referral_code"

_CODE = re.compile(f"[{REFERRAL_ALPHABET}]{{8,12}}")


def normalise_code(raw: str) -> str | None:
    """A referral code as a link may carry it (any case, spaces around), or
    None when it cannot be one."""
    code = raw.strip().upper()
    return code if code.isascii() and _CODE.fullmatch(code) else None


def referral_code(request: HttpRequest) -> str | None:
    """The referral code this visitor's session arrived with, if any."""
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def referrer_for(code: str | None) -> User | None:
    """The active account whose referral code this is, or None."""
    normalised = normalise_code(code) if code else None
    if normalised is None:
        return None
    return User.objects.filter(referral_code=normalised, is_active=True).first()


def remember_referral(request: HttpRequest, raw: str) -> bool:
    """Keep the code in the session if it is a real, active user's and not
    the visitor's own, and the session holds none yet. True if kept."""
    if referral_code(request) is not None:
        return False
    code = normalise_code(raw)
    if code is None:
        return False
    sharer = User.objects.filter(referral_code=code, is_active=True).values_list("pk", flat=True)
    sharer_id = sharer.first()
    if sharer_id is None or sharer_id == request.user.pk:
        return False
    request.session[SESSION_KEY] = code
    return True


def invite_url(request: HttpRequest, user: User) -> str:
    """The user's invitation link: the home page with their referral code."""
    home = request.build_absolute_uri(reverse("offers:home"))
    return f"{home}?{urlencode({REF_PARAM: user.referral_code})}"


def without_ref(request: HttpRequest) -> str:
    """The request's address without the `ref` parameter (the others kept, in order)."""
    params = [
        (key, value) for key, values in request.GET.lists() if key != REF_PARAM for value in values
    ]
    return escape_uri_path(request.path) + (f"?{urlencode(params)}" if params else "")


class ReferralMiddleware:
    """On a page request (GET or HEAD, for HTML) with `?ref=`: remember the
    code, then redirect to the address without it. After the session and
    authentication middleware (it reads both)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            REF_PARAM in request.GET
            and request.method in ("GET", "HEAD")
            # An API client asking for JSON gets its answer, not a redirect.
            and request.accepts("text/html")
        ):
            values = request.GET.getlist(REF_PARAM)
            if len(values) == 1:  # two codes in one link: neither is believed
                remember_referral(request, values[0])
            target = without_ref(request)
            # Never elsewhere: a path such as //evil.example/ would be read as a host.
            if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                return HttpResponseRedirect(target)
        return self.get_response(request)
