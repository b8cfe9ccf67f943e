"""The city a page shows: decided once per request, by the one rule
(merchants.selectors.chosen_city), from the request's ?city=, the session
and the signed-in user; and remembered when the shopper switches."""

from django.http import HttpRequest

from accounts.models import User
from accounts.services import user_set_city
from merchants.models import City
from merchants.selectors import chosen_city

SESSION_KEY = "city"
DECIDED = "_o2o_city"  # the request's attribute holding its city


def _user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


def current_city(request: HttpRequest) -> City | None:
    """The city this request browses (kept on the request: the header, the
    page and the page cache's key ask more than once)."""
    if not hasattr(request, DECIDED):
        session = getattr(request, "session", None)
        city = chosen_city(
            requested=request.GET.get("city"),
            remembered=session.get(SESSION_KEY) if session is not None else None,
            user=_user(request),
        )
        setattr(request, DECIDED, city)
    return getattr(request, DECIDED)  # type: ignore[no-any-return]


def remember_city(request: HttpRequest, city: City) -> None:
    """The shopper chose `city`: for this session, and for their account."""
    request.session[SESSION_KEY] = city.slug
    setattr(request, DECIDED, city)
    user = _user(request)
    if user is not None:
        user_set_city(user=user, city_slug=city.slug)
