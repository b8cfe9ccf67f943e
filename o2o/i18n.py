"""The page's language: Django's negotiation (the language cookie, then
Accept-Language), overridden by `?lang=<code>` in the address.

`?lang=` gives every page one address per language, so the `hreflang`
alternates, the canonical links and the sitemap name real URLs that a search
engine (which keeps no cookie) sees in that language. A person who arrives on
one keeps the language: it is written to the language cookie, as the
footer's language form does, so the links they follow next stay in it.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

LANG_PARAM = "lang"


def language_in(value: str | None) -> str | None:
    """The site's language code named by `value` (any case), or None."""
    if not value or len(value) > 16:
        return None
    code = value.lower()
    return code if code in dict(settings.LANGUAGES) else None


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, plus `?lang=` (an unknown value is ignored:
    the page shows in the negotiated language, and its canonical link says so)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        chosen = language_in(request.GET.get(LANG_PARAM))
        if chosen is not None:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        chosen = language_in(request.GET.get(LANG_PARAM))
        if chosen is not None and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
