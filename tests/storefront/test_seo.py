"""What search engines and shared links see: sitemap.xml, robots.txt,
canonical and hreflang addresses, ?lang=, share links and ?ref=."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.referrals import SESSION_KEY
from merchants.models import Merchant
from offers.models import Offer
from storefront import seo

from ..factories import CityFactory, MerchantFactory, OfferFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

SITEMAPS_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
NS = {"sm": SITEMAPS_NS, "xhtml": XHTML_NS}


def xml(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    # Our own output, so the standard parser is safe here; it raises on anything
    # but well-formed XML.
    return ET.fromstring(response.content)  # noqa: S314


def local(url):
    return url.removeprefix("http://testserver")


def sitemap_entries(client):
    """{loc: {hreflang: href}} over every file the index lists."""
    index = xml(client.get("/sitemap.xml"))
    assert index.tag == f"{{{SITEMAPS_NS}}}sitemapindex"
    entries = {}
    for loc in index.findall("sm:sitemap/sm:loc", NS):
        urlset = xml(client.get(local(loc.text)))
        assert urlset.tag == f"{{{SITEMAPS_NS}}}urlset"
        for url in urlset.findall("sm:url", NS):
            links = url.findall("xhtml:link", NS)
            assert all(link.get("rel") == "alternate" for link in links)
            entries[url.find("sm:loc", NS).text] = {
                link.get("hreflang"): link.get("href") for link in links
            }
    return entries


def head_links(body):
    canonical = [
        unescape(href) for href in re.findall(r'<link rel="canonical" href="([^"]+)">', body)
    ]
    alternates = {
        lang: unescape(href)
        for lang, href in re.findall(
            r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', body
        )
    }
    return canonical, alternates


# --- sitemap.xml -------------------------------------------------------------


def test_the_sitemap_lists_live_deals_and_approved_merchants_only(client):
    live = OfferFactory(title="Live hotpot")
    gone = [
        OfferFactory(status=Offer.Status.PAUSED),
        OfferFactory(status=Offer.Status.ENDED),
        OfferFactory(status=Offer.Status.PENDING_REVIEW),
        OfferFactory(status=Offer.Status.DRAFT),
        OfferFactory(sale_ends_at=timezone.now() - timedelta(minutes=1)),
        OfferFactory(sale_starts_at=timezone.now() + timedelta(days=1)),
    ]
    of_suspended = OfferFactory()
    Merchant.objects.filter(pk=of_suspended.merchant_id).update(status=Merchant.Status.SUSPENDED)
    pending = MerchantFactory(status=Merchant.Status.PENDING)

    entries = sitemap_entries(client)
    deals = {local(loc) for loc in entries if "/deals/" in loc}
    live_url = reverse("offers:detail", args=[live.pk])
    assert deals == {f"{live_url}?lang=en", f"{live_url}?lang=zh-hans"}
    for offer in [*gone, of_suspended]:
        assert not any(reverse("offers:detail", args=[offer.pk]) in loc for loc in entries)
    merchants = {local(loc).split("?")[0] for loc in entries if "/m/" in loc}
    assert reverse("offers:merchant", args=[live.merchant.slug]) in merchants
    assert reverse("offers:merchant", args=[of_suspended.merchant.slug]) not in merchants
    assert reverse("offers:merchant", args=[pending.slug]) not in merchants


def test_every_sitemap_entry_names_the_page_in_both_languages_and_x_default(client):
    offer = OfferFactory()
    CityFactory(name="Beijing", slug="beijing")
    entries = sitemap_entries(client)
    page = f"http://testserver{reverse('offers:detail', args=[offer.pk])}"
    expected = {"en": f"{page}?lang=en", "zh-hans": f"{page}?lang=zh-hans", "x-default": page}
    assert entries[f"{page}?lang=en"] == expected
    assert entries[f"{page}?lang=zh-hans"] == expected
    for loc, alternates in entries.items():
        assert set(alternates) == {"en", "zh-hans", "x-default"}, loc
        assert loc in alternates.values()
    # A home per city, and each category's list in the cities that have its deals.
    assert "http://testserver/?city=beijing&lang=zh-hans" in entries
    category = reverse("offers:category", args=[offer.category.slug])
    assert f"http://testserver{category}?city=shanghai&lang=en" in entries
    assert f"http://testserver{category}?city=beijing&lang=en" not in entries


def test_sitemap_entries_say_when_the_page_last_changed(client):
    offer = OfferFactory()
    urlset = xml(client.get("/sitemap-deals.xml"))
    lastmods = {url.find("sm:lastmod", NS).text for url in urlset.findall("sm:url", NS)}
    assert lastmods == {timezone.localdate(offer.updated_at).isoformat()}
    index = xml(client.get("/sitemap.xml"))
    assert all(s.find("sm:lastmod", NS) is not None for s in index.findall("sm:sitemap", NS))


def test_a_paused_deal_leaves_the_cached_sitemap_at_once(client):
    offer = OfferFactory()
    path = reverse("offers:detail", args=[offer.pk])
    assert any(path in loc for loc in sitemap_entries(client))
    offer.status = Offer.Status.PAUSED
    offer.save()
    assert not any(path in loc for loc in sitemap_entries(client))


def test_a_long_sitemap_is_split_into_files_the_index_lists(client, monkeypatch):
    monkeypatch.setattr(seo.DealSitemap, "limit", 2)  # one deal per file: two languages
    offers = [OfferFactory() for _ in range(3)]
    index = xml(client.get("/sitemap.xml"))
    files = [local(loc.text) for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert [f for f in files if "deals" in f] == [
        "/sitemap-deals.xml",
        "/sitemap-deals.xml?p=2",
        "/sitemap-deals.xml?p=3",
    ]
    listed = set()
    for file in files:
        listed |= {loc.text for loc in xml(client.get(file)).iter(f"{{{SITEMAPS_NS}}}loc")}
    for offer in offers:
        assert f"http://testserver{reverse('offers:detail', args=[offer.pk])}?lang=en" in listed


@pytest.mark.parametrize("page", ["4", "0", "abc", "١", "99999999999999999999999", " 1"])
def test_a_sitemap_page_that_is_not_there_is_not_found(client, page):
    OfferFactory()
    assert client.get("/sitemap-deals.xml", {"p": page}).status_code == 404


def test_an_unknown_sitemap_section_is_not_found(client):
    assert client.get("/sitemap-nonsense.xml").status_code == 404


# --- robots.txt --------------------------------------------------------------


def test_robots_lets_search_engines_into_the_catalogue_only(client, settings):
    settings.SEARCH_ENGINES_INDEX = True
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow:")}
    for private in (
        "/admin/", "/merchant/", "/api/", "/me/", "/orders/", "/payments/", "/accounts/",
        "/moderation/", "/deals/*/buy/",
    ):  # fmt: skip
        assert private in disallowed, private
    for public in ("/", "/deals/", "/c/", "/m/"):
        assert public not in disallowed
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_a_checkout_address_falls_under_a_disallowed_pattern(offer):
    checkout = reverse("orders:checkout", args=[offer.pk])
    patterns = [re.escape(p).replace(r"\*", "[^/]*") for p in seo.ROBOTS_DISALLOW]
    assert any(re.match(pattern, checkout) for pattern in patterns)
    assert not any(re.match(p, reverse("offers:detail", args=[offer.pk])) for p in patterns)


@pytest.mark.parametrize(
    ("debug", "gateway", "setting", "indexed"),
    [
        (False, "stripe", None, True),  # production with real payments
        (True, "stripe", None, False),  # a developer's machine
        (False, "dev", None, False),  # a demo taking test payments
        (False, "stripe", False, False),  # a staging copy says so
        (False, "dev", True, True),  # or opts in
    ],
)
def test_robots_keeps_search_engines_out_of_anything_but_the_live_shop(
    client, settings, debug, gateway, setting, indexed
):
    settings.DEBUG, settings.PAYMENTS_GATEWAY, settings.SEARCH_ENGINES_INDEX = (
        debug,
        gateway,
        setting,
    )
    text = client.get("/robots.txt").content.decode()
    assert ("Disallow: /\n" in text) is not indexed
    assert ("Sitemap:" in text) is indexed


# --- canonical and hreflang addresses ------------------------------------------


def test_the_canonical_address_drops_tracking_and_the_session_choices(client):
    offer = OfferFactory()
    CityFactory(name="Beijing", slug="beijing")
    client.post(reverse("offers:city"), {"city": "beijing"})  # the session's city
    path = reverse("offers:detail", args=[offer.pk])
    body = client.get(
        path, {"utm_source": "wechat", "utm_campaign": "spring", "gclid": "x", "spm": "a.b"}
    ).content.decode()
    canonical, alternates = head_links(body)
    assert canonical == [f"http://testserver{path}?lang=en"]
    assert alternates == {
        "en": f"http://testserver{path}?lang=en",
        "zh-hans": f"http://testserver{path}?lang=zh-hans",
        "x-default": f"http://testserver{path}",
    }


def test_a_list_keeps_its_filters_in_the_canonical_address_and_drops_the_rest(client):
    OfferFactory()
    body = client.get(
        reverse("offers:list"),
        {"sort": "price", "q": "hotpot", "utm_medium": "social", "district": "", "page": "1"},
    ).content.decode()
    canonical, alternates = head_links(body)
    assert canonical == ["http://testserver/deals/?page=1&q=hotpot&sort=price&lang=en"]
    assert alternates["x-default"] == "http://testserver/deals/?page=1&q=hotpot&sort=price"


def test_the_home_page_keeps_the_city_of_its_address(client):
    CityFactory()
    canonical, alternates = head_links(
        client.get("/", {"city": "shanghai", "utm_x": "1"}).content.decode()
    )
    assert canonical == ["http://testserver/?city=shanghai&lang=en"]
    assert alternates["zh-hans"] == "http://testserver/?city=shanghai&lang=zh-hans"


@pytest.mark.parametrize("page", ["home", "list", "category", "deal", "merchant"])
def test_each_catalogue_page_names_itself_in_both_languages(client, page):
    offer = OfferFactory()
    path = {
        "home": "/",
        "list": reverse("offers:list"),
        "category": reverse("offers:category", args=[offer.category.slug]),
        "deal": reverse("offers:detail", args=[offer.pk]),
        "merchant": reverse("offers:merchant", args=[offer.merchant.slug]),
    }[page]
    canonical, alternates = head_links(client.get(path).content.decode())
    assert canonical == [f"http://testserver{path}?lang=en"]
    assert set(alternates) == {"en", "zh-hans", "x-default"}


def test_the_language_in_the_address_wins_and_is_kept(client, offer):
    path = reverse("offers:detail", args=[offer.pk])
    response = client.get(path, {"lang": "zh-hans"}, headers={"accept-language": "en"})
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert response["Content-Language"] == "zh-hans"
    assert head_links(body)[0] == [f"http://testserver{path}?lang=zh-hans"]
    # The visitor stays in it on the pages they go on to.
    assert response.cookies["django_language"].value == "zh-hans"
    assert "正在热卖" in client.get("/").content.decode()


def test_each_language_address_is_its_own_page_whatever_the_visitor_prefers(offer):
    path = reverse("offers:detail", args=[offer.pk])
    chinese_browser = Client(headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-hans">' in chinese_browser.get(path).content.decode()
    body = chinese_browser.get(path, {"lang": "en"}).content.decode()
    assert '<html lang="en">' in body
    assert "Buy now" in body


@pytest.mark.parametrize("value", ["fr", "ZH-HANS-X", "x" * 5000, ""])
def test_an_unknown_language_in_the_address_is_ignored(client, offer, value):
    response = client.get(reverse("offers:detail", args=[offer.pk]), {"lang": value})
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert "django_language" not in response.cookies


def test_the_language_form_still_switches_on_a_page_with_a_language_address(client, offer):
    path = reverse("offers:detail", args=[offer.pk])
    body = client.get(path, {"lang": "en", "sort": "x"}).content.decode()
    next_url = re.search(r'<input name="next" type="hidden" value="([^"]*)">', body)[1]
    assert next_url == f"{path}?sort=x"
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": next_url})
    assert '<html lang="zh-hans">' in client.get(response["Location"]).content.decode()


# --- the share button and ?ref= --------------------------------------------------


def share_link(body):
    found = re.search(r'data-share-url="([^"]+)"', body)
    return found[1] if found else None


def test_a_signed_in_shoppers_share_link_carries_their_code(client, offer):
    shopper = UserFactory()
    client.force_login(shopper)
    path = reverse("offers:detail", args=[offer.pk])
    body = client.get(path, {"utm_source": "x", "lang": "zh-hans"}).content.decode()
    assert share_link(body) == f"http://testserver{path}?ref={shopper.referral_code}"
    assert f'value="http://testserver{path}?ref={shopper.referral_code}"' in body  # to copy by hand
    assert 'src="/static/o2o/share.js"' in body


def test_a_merchant_page_share_link_carries_the_code_too(client, offer):
    shopper = UserFactory()
    path = reverse("offers:merchant", args=[offer.merchant.slug])
    assert share_link(client.get(path).content.decode()) == f"http://testserver{path}"
    client.force_login(shopper)
    body = client.get(path).content.decode()
    assert share_link(body) == f"http://testserver{path}?ref={shopper.referral_code}"


def test_an_anonymous_page_never_shows_anyones_code(offer):
    """The deal page is cached in fragments and, for anonymous visitors, whole:
    a signed-in visit first must leave nothing of that visitor in either."""
    path = reverse("offers:detail", args=[offer.pk])
    sharer = UserFactory()
    signed_in = Client()
    signed_in.force_login(sharer)
    assert sharer.referral_code in signed_in.get(path).content.decode()
    for visitor in (Client(), Client()):  # the first fills the whole-page cache
        body = visitor.get(path).content.decode()
        assert share_link(body) == f"http://testserver{path}"
        assert sharer.referral_code not in body
    other = UserFactory()
    signed_in.force_login(other)
    body = signed_in.get(path).content.decode()
    assert share_link(body) == f"http://testserver{path}?ref={other.referral_code}"
    assert sharer.referral_code not in body


def test_arriving_by_a_share_link_remembers_the_code_and_drops_it_from_the_address(offer):
    sharer = UserFactory()
    path = reverse("offers:detail", args=[offer.pk])
    Client().get(path)  # the page is in the cache, as for a popular deal
    friend = Client()
    response = friend.get(path, {"ref": sharer.referral_code.lower()})
    assert response.status_code == 302
    assert response["Location"] == path
    assert friend.session[SESSION_KEY] == sharer.referral_code
    # The page they land on is the cached one every visitor gets.
    with CaptureQueriesContext(connection) as queries:
        page = friend.get(response["Location"])
    assert page.status_code == 200
    assert not [q for q in queries if "offers_offer" in q["sql"] and "SELECT" in q["sql"]]
    assert sharer.referral_code not in page.content.decode()


def test_the_other_parameters_of_a_share_link_stay(client, offer):
    sharer = UserFactory()
    path = reverse("offers:detail", args=[offer.pk])
    query = {"utm_source": "wechat", "ref": sharer.referral_code, "lang": "zh-hans"}
    response = client.get(path, query)
    assert response["Location"] == f"{path}?utm_source=wechat&lang=zh-hans"


def test_the_first_share_link_of_a_visit_keeps_the_credit(client, offer):
    first, second = UserFactory(), UserFactory()
    path = reverse("offers:detail", args=[offer.pk])
    client.get(path, {"ref": first.referral_code})
    client.get(path, {"ref": second.referral_code})
    assert client.session[SESSION_KEY] == first.referral_code


@pytest.mark.parametrize(
    "ref",
    [
        "ZZZZZZZZ",  # well formed, nobody's
        "abc",
        "0O1IL0O1",  # letters the codes never use
        "２３４５６７８９",  # full-width digits
        "A" * 5000,
        "",
        "<script>",
    ],
)
def test_a_code_that_is_nobodys_is_ignored(client, offer, ref):
    path = reverse("offers:detail", args=[offer.pk])
    response = client.get(path, {"ref": ref})
    assert response.status_code == 302
    assert response["Location"] == path
    assert SESSION_KEY not in client.session
    assert client.get(path).status_code == 200


def test_a_shoppers_own_code_or_an_inactive_users_is_ignored(client, offer):
    path = reverse("offers:detail", args=[offer.pk])
    gone = UserFactory(is_active=False)
    client.get(path, {"ref": gone.referral_code})
    assert SESSION_KEY not in client.session
    shopper = UserFactory()
    client.force_login(shopper)
    client.get(path, {"ref": shopper.referral_code})
    assert SESSION_KEY not in client.session


def test_two_codes_in_one_link_are_both_ignored(client, offer):
    a, b = UserFactory(), UserFactory()
    path = reverse("offers:detail", args=[offer.pk])
    client.get(f"{path}?ref={a.referral_code}&ref={b.referral_code}")
    assert SESSION_KEY not in client.session


def test_the_code_survives_signing_up(client, offer):
    sharer = UserFactory()
    client.get(reverse("offers:detail", args=[offer.pk]), {"ref": sharer.referral_code})
    client.force_login(UserFactory())
    assert client.session[SESSION_KEY] == sharer.referral_code


def test_an_api_client_is_answered_not_redirected(client, offer):
    sharer = UserFactory()
    response = client.get(
        "/api/v1/offers/", {"ref": sharer.referral_code}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200


def test_a_share_link_never_redirects_to_another_site(client):
    sharer = UserFactory()
    # The client would read "//evil.example/" as a host: the path is set as a server sees it.
    response = client.get(f"/?ref={sharer.referral_code}", PATH_INFO="//evil.example/")
    assert response.status_code == 404
    assert "Location" not in response


def test_a_store_page_share_link_is_the_canonical_address_without_a_language(offer):
    """What a friend opens is read in their own language, not the sharer's."""
    StoreFactory(merchant=offer.merchant)
    chinese = Client(headers={"accept-language": "zh-CN"})
    body = chinese.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert "lang=" not in share_link(body)
