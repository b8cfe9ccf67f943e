"""What search engines and link previews read: a page's canonical address and
its addresses in each language, the share link, sitemap.xml and robots.txt.

Every page has one address per language, `?lang=<code>` (o2o.i18n), and the
address without it (`x-default`: the language is then the visitor's own,
from their cookie or browser). A page's canonical address is its address in
the language it is shown in, without what only tracks a visit (`ref`,
`utm_*`, click ids) and without what the session chose (the city, the
language cookie): only what is in the address and changes the page stays.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from accounts.referrals import REF_PARAM
from merchants.models import City, Merchant
from merchants.selectors import visible_merchants
from o2o import pagecache
from o2o.http import parse_id
from o2o.i18n import LANG_PARAM
from offers.models import Offer
from offers.selectors import visible_offers

# Parameters that say how someone arrived, not what the page shows.
TRACKING_PARAMS = frozenset(
    {REF_PARAM, LANG_PARAM, "gclid", "dclid", "fbclid", "msclkid", "yclid", "igshid", "spm"}
)
TRACKING_PREFIXES = ("utm_", "mc_")

ALL = "*"  # keep every parameter that is not tracking (the lists' filters)


def _kept(query: QueryDict, keep: str) -> list[tuple[str, str]]:
    """The parameters of `query` the canonical address keeps: none, the named
    ones ("city,page"), or with ALL every one but tracking; empty values
    dropped, sorted so that one page has one address."""
    names = None if keep == ALL else {name.strip() for name in keep.split(",") if name.strip()}
    kept = [
        (key, value)
        for key, values in query.lists()
        if (key in names if names is not None else True)
        and key not in TRACKING_PARAMS
        and not key.startswith(TRACKING_PREFIXES)
        for value in values
        if value != ""
    ]
    return sorted(kept)


def join_query(path: str, params: Iterable[tuple[str, str]]) -> str:
    query = urlencode(list(params))
    return f"{path}?{query}" if query else path


def page_address(request: HttpRequest, *, keep: str = "") -> str:
    """The page's absolute address without a language: `x-default`, and what
    a share link starts from."""
    return request.build_absolute_uri(join_query(request.path, _kept(request.GET, keep)))


def with_lang(url: str, code: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{LANG_PARAM}={code}"


def canonical_url(request: HttpRequest, *, keep: str = "") -> str:
    """The page's address in the language it is shown in."""
    return with_lang(page_address(request, keep=keep), get_language())


def alternates(request: HttpRequest, *, keep: str = "") -> list[tuple[str, str]]:
    """(hreflang, address) for each language of the site, then x-default."""
    base = page_address(request, keep=keep)
    return [(code, with_lang(base, code)) for code, _name in settings.LANGUAGES] + [
        ("x-default", base)
    ]


def share_url(request: HttpRequest) -> str:
    """The link the share button gives: the page's address without a
    language (the friend reads it in theirs), with the signed-in sharer's
    referral code; an anonymous visitor's link carries none."""
    url = page_address(request)
    user = request.user
    if user.is_authenticated:
        return f"{url}?{urlencode({REF_PARAM: user.referral_code})}"
    return url


# --- sitemap.xml -------------------------------------------------------------


class BilingualSitemap(Sitemap):
    """One <url> per page and language, each listing the page in every
    language and x-default (<xhtml:link rel="alternate" hreflang>).

    Django's i18n sitemaps expect language prefixes in paths (i18n_patterns);
    here the language is `?lang=`, so the address is made from `path()` and
    the active language, and x-default (the address without `lang`) is added
    here rather than by Django, whose x-default strips a `/<code>/` prefix."""

    i18n = True
    alternates = True
    # Entries per file (each page twice, once per language); the index
    # lists the further files (?p=2...). Well under sitemaps.org's 50,000,
    # so a file renders in a fraction of a second.
    limit = 5000

    def path(self, item: Any) -> str:
        raise NotImplementedError

    def location(self, item: Any) -> str:
        return with_lang(self.path(item), get_language())

    def get_urls(
        self, page: int | str = 1, site: Any = None, protocol: str | None = None
    ) -> list[dict[str, Any]]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        origin = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        for url in urls:
            item, _language = url["item"]
            url["alternates"].append(
                {"location": origin + self.path(item), "lang_code": "x-default"}
            )
        return urls


class DealSitemap(BilingualSitemap):
    """Deals a consumer can see and buy now (offers.selectors.visible_offers)."""

    changefreq = "daily"
    priority = 0.8

    def items(self) -> QuerySet[Offer]:
        return visible_offers().only("pk", "updated_at").order_by("pk")

    def path(self, item: Offer) -> str:
        return reverse("offers:detail", args=[item.pk])

    def lastmod(self, item: Offer) -> datetime:
        return item.updated_at


class MerchantSitemap(BilingualSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Merchant]:
        return visible_merchants().only("slug", "updated_at").order_by("pk")

    def path(self, item: Merchant) -> str:
        return reverse("offers:merchant", args=[item.slug])

    def lastmod(self, item: Merchant) -> datetime:
        return item.updated_at


class CitySitemap(BilingualSitemap):
    """Each city's home page (`?city=<slug>` chooses the city on a page);
    last changed when its latest visible deal did."""

    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[tuple[str, datetime | None]]:
        latest = dict(
            visible_offers()
            .order_by()
            .values("merchant__city__slug")
            .annotate(last=Max("updated_at"))
            .values_list("merchant__city__slug", "last")
        )
        slugs = City.objects.order_by("position", "slug").values_list("slug", flat=True)
        return [(slug, latest.get(slug)) for slug in slugs]

    def path(self, item: tuple[str, datetime | None]) -> str:
        return join_query(reverse("offers:home"), [("city", item[0])])

    def lastmod(self, item: tuple[str, datetime | None]) -> datetime | None:
        return item[1]


class CategorySitemap(BilingualSitemap):
    """Each category's list in each city that has visible deals in it."""

    changefreq = "daily"
    priority = 0.7

    def items(self) -> list[tuple[str, str, datetime]]:
        rows = (
            visible_offers()
            .order_by()
            .values("merchant__city__slug", "category__slug")
            .annotate(last=Max("updated_at"))
            .values_list("category__slug", "merchant__city__slug", "last")
        )
        return sorted(rows)

    def path(self, item: tuple[str, str, datetime]) -> str:
        return join_query(reverse("offers:category", args=[item[0]]), [("city", item[1])])

    def lastmod(self, item: tuple[str, str, datetime]) -> datetime:
        return item[2]


SITEMAPS: dict[str, type[Sitemap]] = {
    "cities": CitySitemap,
    "categories": CategorySitemap,
    "deals": DealSitemap,
    "merchants": MerchantSitemap,
}


def _kept_in_page_cache(
    view: Callable[..., TemplateResponse],
) -> Callable[..., HttpResponse]:
    """A sitemap rendered once per version of the catalogue (o2o.pagecache:
    any change to a deal, merchant or category makes a new one), since a
    file of thousands of entries takes a while to build."""

    @wraps(view)
    def cached(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # Django reads ?p= with int(), which takes "١" or " 2": only plain page numbers here.
        if "p" in request.GET and parse_id(request.GET["p"]) is None:
            raise Http404("No such sitemap page.")
        found = pagecache.lookup(request, "sitemap")
        if found.parts is None:
            built = view(request, sitemaps=SITEMAPS, **kwargs)
            built.render()
            parts = {"content": built.content, "last_modified": built.get("Last-Modified")}
            found.keep(parts)
        else:
            parts = found.parts
        response = HttpResponse(parts["content"], content_type="application/xml")
        # Django's sitemap views say so too: the file is for crawlers, not a result.
        response["X-Robots-Tag"] = "noindex, noodp, noarchive"
        if parts["last_modified"]:
            response["Last-Modified"] = parts["last_modified"]
        return response

    return require_safe(cached)


sitemap_index = _kept_in_page_cache(sitemap_views.index)
sitemap_section = _kept_in_page_cache(sitemap_views.sitemap)


# --- robots.txt --------------------------------------------------------------

# Pages that are someone's own, or steps of buying: nothing to find there.
ROBOTS_DISALLOW = (
    "/admin/",
    "/merchant/",
    "/moderation/",
    "/api/",
    "/me/",
    "/orders/",
    "/payments/",
    "/accounts/",
    "/notifications/",
    "/i18n/",
    "/city/",
    "/deals/*/buy/",
    "/deals/*/favourite/",
)


def search_engines_welcome() -> bool:
    """SEARCH_ENGINES_INDEX when set; else yes only in production with real
    payments (not under DEBUG, nor with the development gateway)."""
    if settings.SEARCH_ENGINES_INDEX is not None:
        return bool(settings.SEARCH_ENGINES_INDEX)
    return not settings.DEBUG and settings.PAYMENTS_GATEWAY != "dev"


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    if not search_engines_welcome():
        lines = ["# Not the live shop: nothing here is for search engines.", "User-agent: *"]
        lines.append("Disallow: /")
    else:
        lines = ["User-agent: *", "Allow: /"]
        lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
        lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('seo:sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
