"""Discovery pages: what a shopper sees, and how many queries it costs."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from merchants.models import Merchant
from offers.models import Offer

from ..factories import (
    CategoryFactory,
    CityFactory,
    DistrictFactory,
    OfferFactory,
    StoreFactory,
    UserFactory,
    make_voucher,
)

pytestmark = pytest.mark.django_db


def filter_form_of(response):
    """The list's filter form, as the page shows it."""
    body = response.content.decode()
    return body[body.index('class="row g-2 mt-2 filter-form"') :].split("</form>")[0]


def titles(response):
    return [o.title for o in response.context["page"].object_list]


def test_home_shows_categories_and_live_deals_only(client):
    live = OfferFactory(title="Live hotpot")
    OfferFactory(title="Paused spa", status=Offer.Status.PAUSED)
    suspended = OfferFactory(title="Suspended salon")
    Merchant.objects.filter(pk=suspended.merchant_id).update(status=Merchant.Status.SUSPENDED)
    body = client.get("/").content.decode()
    assert live.title in body
    assert "Paused spa" not in body
    assert "Suspended salon" not in body
    assert live.category.name in body
    assert 'class="city-chip' in body
    assert live.merchant.city.name in body


def header_city(page):
    """The city named in the page header's chip, or None without a chip."""
    found = re.search(r'class="city-chip[^>]*>.*?</span>([^<]*)<', page)
    return found.group(1).strip() if found else None


def test_the_header_names_the_city_the_shopper_chose_on_every_page(client):
    CityFactory()  # the first city is the default
    CityFactory(name="Beijing", slug="beijing")
    login_page = reverse("accounts:login")
    assert header_city(client.get(login_page).content.decode()) == "Shanghai"
    client.post(reverse("offers:city"), {"city": "beijing"})
    assert header_city(client.get(login_page).content.decode()) == "Beijing"
    assert header_city(client.get("/").content.decode()) == "Beijing"


def test_search_finds_by_title_and_merchant(client):
    OfferFactory(title="Crayfish night")
    other = OfferFactory(title="Plain lunch")
    other.merchant.name = "Crayfish King"
    other.merchant.save()  # saved as the admin does, so the search index follows
    OfferFactory(title="Haircut")
    response = client.get(reverse("offers:list"), {"q": "crayfish"})
    assert sorted(titles(response)) == ["Crayfish night", "Plain lunch"]


def test_filters_and_sorts(client):
    spa = CategoryFactory(name="Spa", slug="spa")
    cheap = OfferFactory(title="Cheap", price=Decimal("20"), list_price=Decimal("30"))
    OfferFactory(title="Dear", price=Decimal("300"), list_price=Decimal("400"))
    massage = OfferFactory(title="Massage", price=Decimal("100"), list_price=Decimal("150"))
    Offer.objects.filter(pk=massage.pk).update(category=spa, rating=Decimal("4.80"))
    Offer.objects.filter(pk=cheap.pk).update(sold_count=50)

    assert titles(client.get(reverse("offers:list"), {"category": "spa"})) == ["Massage"]
    assert titles(client.get(reverse("offers:category", args=["spa"]))) == ["Massage"]
    assert titles(client.get(reverse("offers:list"), {"price_min": 50, "price_max": 200})) == [
        "Massage"
    ]
    assert titles(client.get(reverse("offers:list"), {"rating_min": 4})) == ["Massage"]
    assert titles(client.get(reverse("offers:list"), {"sort": "price"})) == [
        "Cheap",
        "Massage",
        "Dear",
    ]
    assert titles(client.get(reverse("offers:list"), {"sort": "best_selling"}))[0] == "Cheap"


def test_district_filter_uses_the_stores(client):
    pudong = DistrictFactory(name="Pudong", slug="pudong")
    offer = OfferFactory(title="Far away")
    offer.stores.set([StoreFactory(merchant=offer.merchant, district=pudong)])
    OfferFactory(title="Nearby")
    assert titles(client.get(reverse("offers:list"), {"district": "pudong"})) == ["Far away"]


def test_a_deal_with_several_stores_in_the_district_is_listed_once(client):
    pudong = DistrictFactory(name="Pudong", slug="pudong")
    offer = OfferFactory(title="Two stores")
    offer.stores.set(StoreFactory(merchant=offer.merchant, district=pudong) for _ in range(2))
    response = client.get(reverse("offers:list"), {"district": "pudong"})
    assert titles(response) == ["Two stores"]
    api = client.get("/api/v1/offers/", {"district": "pudong"}).json()
    assert api["count"] == 1
    assert [o["title"] for o in api["results"]] == ["Two stores"]


def test_bad_filter_values_answer_400_with_the_reasons_and_an_empty_list(client):
    OfferFactory()
    response = client.get(reverse("offers:list"), {"price_min": "lots", "sort": "nonsense"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Some filters could not be used" in body
    assert "Min price: Enter a number." in body
    assert titles(response) == []


def test_pagination_keeps_the_filters(client):
    for i in range(25):
        OfferFactory(title=f"Deal {i}")
    response = client.get(reverse("offers:list"), {"q": "Deal"})
    assert len(titles(response)) == 20
    assert "q=Deal&amp;page=2" in response.content.decode()
    assert len(titles(client.get(reverse("offers:list"), {"q": "Deal", "page": 2}))) == 5


def test_empty_results_offer_a_way_back(client):
    body = client.get(reverse("offers:list"), {"q": "zzz"}).content.decode()
    assert "No deals match these filters." in body


def test_offer_page_shows_terms_stores_and_reviews(client, cashier):
    offer = OfferFactory(
        title="Spa afternoon",
        includes="Massage\nTea",
        usable_days="Mon–Fri",
        booking_required=True,
        refundable=False,
        stock=5,
        limit_per_user=2,
    )
    offer.stores.first().memberships  # noqa: B018 - keep the store loaded
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    for text in (
        "Spa afternoon",
        "¥198",
        "¥268",
        "Save ¥70",
        "Massage",
        "Mon–Fri",
        "Booking required",
        "No refunds",
        "5 left",
        "Limit 2 per customer",
        "og:title",
        "1 Nanjing West Road",
    ):
        assert text in body, text
    offer.refresh_from_db()
    assert offer.view_count == 1


def test_offer_page_shows_a_review_and_the_merchant_reply(client):
    from orders.services import voucher_redeem
    from reviews.services import review_create, review_reply

    from ..factories import MembershipFactory

    offer = OfferFactory()
    owner = MembershipFactory(merchant=offer.merchant).user
    voucher = make_voucher(UserFactory(display_name="Mei"), offer)
    voucher_redeem(code=voucher.code, store_id=offer.stores.get().pk, by=owner)
    review = review_create(user=voucher.user, voucher_id=voucher.pk, rating=4, text="Lovely broth")
    review_reply(review_id=review.pk, by=owner, text="Thanks, Mei!")
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert "Lovely broth" in body
    assert "Thanks, Mei!" in body


def test_the_photo_strip_is_a_named_region_the_keyboard_can_scroll(client, offer):
    """The photos scroll sideways on a phone; with no link inside, the strip itself
    must take focus and have a name (axe: scrollable-region-focusable)."""
    import re

    from offers.models import OfferImage

    from ..images import scene, upload

    for i in range(4):  # real photos: stored photos are checked and re-encoded
        photo = upload(scene(40, 30), f"p{i}.png", "PNG")
        OfferImage.objects.create(offer=offer, image=photo, position=i)
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    strip = re.search(r'<div ([^>]*)>\s*<img [^>]*class="rounded thumb"', body)
    assert strip is not None
    attributes = strip.group(1)
    assert 'role="region"' in attributes
    assert 'aria-label="Photos"' in attributes
    assert 'tabindex="0"' in attributes


def test_paused_offer_page_is_not_found_for_consumers_but_its_merchant_can_preview(client, owner):
    offer = OfferFactory(merchant=owner.memberships.get().merchant, status=Offer.Status.PAUSED)
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 200


def test_merchant_page_lists_its_deals(client, offer):
    body = client.get(reverse("offers:merchant", args=[offer.merchant.slug])).content.decode()
    assert offer.title in body
    Merchant.objects.filter(pk=offer.merchant_id).update(status=Merchant.Status.SUSPENDED)
    assert client.get(reverse("offers:merchant", args=[offer.merchant.slug])).status_code == 404


# --- query counts: fixed, whatever the number of rows -------------------------


def _many(n):
    for _ in range(n):
        offer = OfferFactory()
        offer.stores.add(StoreFactory(merchant=offer.merchant))


def _forget_pages():
    """Drop the cached catalogue fragments, as an edit anywhere would."""
    from o2o import pagecache

    pagecache.catalog_changed()


@pytest.mark.parametrize("n", [3, 12])
def test_home_query_count_is_fixed(client, django_assert_num_queries, n):
    _many(n)
    client.get("/")  # warm the session
    _forget_pages()
    # categories, hot deals, new deals, the cards' merchants, categories and
    # stores (once for both lists: the new deals' cards are the hot deals'),
    # top merchants (the cities come from the cache: merchants.selectors.cities),
    # and the city's coming deals ("Coming soon": one query, none coming here)
    with django_assert_num_queries(8):
        client.get("/")
    with django_assert_num_queries(0):  # then served from the page cache
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("n", [3, 12])
def test_offer_list_query_count_is_fixed(client, django_assert_num_queries, n):
    _many(n)
    client.get(reverse("offers:list"))  # a warm cache, as in steady state
    # the filter form's categories and districts (the form of another sort is
    # kept apart), the page with its count; the cards are kept, the cities cached
    with django_assert_num_queries(3):
        client.get(reverse("offers:list"), {"sort": "price"})
    with django_assert_num_queries(0):
        client.get(reverse("offers:list"), {"sort": "price"})


@pytest.mark.parametrize("n", [1, 6])
def test_offer_page_query_count_is_fixed(client, django_assert_num_queries, n):
    offer = OfferFactory()
    for _ in range(n):
        offer.stores.add(StoreFactory(merchant=offer.merchant))
    client.get("/healthz")  # a warm cache, as in steady state
    client.get(reverse("offers:list"))
    # (with the coupons it takes: orders.selectors.claimable_campaigns)
    with django_assert_num_queries(6):
        client.get(reverse("offers:detail", args=[offer.pk]))
    # From the page cache, only the view is counted (in the row here; in
    # Redis when there is one).
    with django_assert_num_queries(1):
        client.get(reverse("offers:detail", args=[offer.pk]))


def test_offer_page_query_count_for_a_logged_in_shopper(client, django_assert_num_queries):
    offer = OfferFactory()
    client.force_login(UserFactory())
    client.get(reverse("offers:list"))  # a warm cache, as in steady state
    with django_assert_num_queries(11):  # the coupons it takes among them
        client.get(reverse("offers:detail", args=[offer.pk]))
    # session, user, unread count, merchant staff check, saved or not, view count
    with django_assert_num_queries(6):
        client.get(reverse("offers:detail", args=[offer.pk]))


# --- the page cache: fast, but never showing what changed ---------------------


def test_an_edited_deal_shows_at_once_on_cached_pages(client):
    offer = OfferFactory(title="Hotpot for two")
    offer.stores.add(StoreFactory(merchant=offer.merchant))
    for url in ("/", reverse("offers:list"), reverse("offers:detail", args=[offer.pk])):
        assert "Hotpot for two" in client.get(url).content.decode()
    offer.title = "Hotpot for four"
    offer.save()
    for url in ("/", reverse("offers:list"), reverse("offers:detail", args=[offer.pk])):
        body = client.get(url).content.decode()
        assert "Hotpot for four" in body, url
        assert "Hotpot for two" not in body, url


def test_a_paused_deal_leaves_cached_pages_at_once(client):
    offer = OfferFactory(title="Spa day")
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 200
    assert "Spa day" in client.get(reverse("offers:list")).content.decode()
    offer.status = Offer.Status.PAUSED
    offer.save()
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404
    assert "Spa day" not in client.get(reverse("offers:list")).content.decode()


def test_the_deal_page_counts_down_stock_as_people_buy(client, django_capture_on_commit_callbacks):
    from orders.services import order_create

    offer = OfferFactory(stock=5)
    offer.stock_left = 5
    offer.save()
    url = reverse("offers:detail", args=[offer.pk])
    assert "5 left" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        order_create(user=UserFactory(), offer_id=offer.pk, quantity=2)
    assert "3 left" in client.get(url).content.decode()


def test_a_suspended_merchant_takes_its_cached_deals_down(client):
    offer = OfferFactory(title="Car wash")
    url = reverse("offers:detail", args=[offer.pk])
    assert client.get(url).status_code == 200
    offer.merchant.status = Merchant.Status.SUSPENDED
    offer.merchant.save()
    assert client.get(url).status_code == 404


def test_a_new_review_shows_on_the_cached_deal_page(client, consumer, offer, store, cashier):
    from orders.services import voucher_redeem
    from reviews.services import review_create

    voucher = make_voucher(consumer, offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    url = reverse("offers:detail", args=[offer.pk])
    assert "Lovely evening" not in client.get(url).content.decode()
    review_create(user=voucher.user, voucher_id=voucher.pk, rating=5, text="Lovely evening")
    assert "Lovely evening" in client.get(url).content.decode()


def test_cached_pages_keep_per_user_parts_per_user(client):
    offer = OfferFactory()
    url = reverse("offers:detail", args=[offer.pk])
    assert "Save to favourites" not in client.get(url).content.decode()  # fills the cache
    shopper = UserFactory(email="ann@example.com")
    client.force_login(shopper)
    body = client.get(url).content.decode()
    assert "Save to favourites" in body
    assert "Log out" in body
    client.logout()
    body = client.get(url).content.decode()
    assert "Save to favourites" not in body
    assert "Log out" not in body


def test_a_staff_preview_of_a_draft_is_not_cached_for_the_public(client):
    offer = OfferFactory(status=Offer.Status.PAUSED)
    client.force_login(UserFactory(is_staff=True))
    url = reverse("offers:detail", args=[offer.pk])
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 404


def test_each_language_gets_its_own_cached_page(client, offer):
    assert "Hot right now" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "正在热卖" in client.get("/").content.decode()


def test_pages_still_work_when_the_cache_is_down(client, offer, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    for operation in ("get_many", "get", "set", "set_many", "add", "incr"):
        monkeypatch.setattr(cache, operation, down)
    assert offer.title in client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    # The list's cards and filter form are rendered without being kept.
    assert offer.title in client.get(reverse("offers:list")).content.decode()


def test_pages_speak_simplified_chinese(client, offer):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    body = client.get("/").content.decode()
    assert "正在热卖" in body
    assert "搜索团购" in body


def test_anonymous_visitors_share_a_cached_page_but_not_a_csrf_token(offer):
    import re

    from django.test import Client

    def token(response):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[
            1
        ]

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page = first.get("/")  # built, and kept whole
    assert page.status_code == 200
    cached = second.get("/")
    assert offer.title in cached.content.decode()
    assert pagecache_slot_absent(cached)
    assert token(page) != token(cached)
    # The token in the cached page is this visitor's own: the language form works.
    switched = second.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token(cached)},
    )
    assert switched.status_code == 302
    assert "正在热卖" in second.get("/").content.decode()
    # Someone else's token does not.
    refused = first.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": "x" * 64},
    )
    assert refused.status_code == 403


def pagecache_slot_absent(response):
    from o2o import pagecache

    return pagecache.CSRF_SLOT not in response.content.decode()


def test_a_message_waiting_is_never_hidden_by_a_cached_page(client, offer):
    client.get("/")
    client.get("/")  # the anonymous home page is cached whole by now
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "You are logged out." in response.content.decode()
    assert "You are logged out." not in client.get("/").content.decode()  # shown once


def test_on_a_phone_the_filters_fold_away_unless_one_is_in_use(client):
    OfferFactory()

    def folded(**params):
        html = client.get(reverse("offers:list"), params).content.decode()
        return '<details class="filters mb-3">' in html

    assert folded()
    # A search, the language or the city of a shared link are not filters.
    assert folded(q="hotpot", lang="zh-hans", city="shanghai")
    assert not folded(sort="price")


def test_the_kept_filter_form_shows_each_visitors_own_choices(client):
    food = CategoryFactory(name="Food", slug="food")
    CategoryFactory(name="Spa", slug="spa")
    OfferFactory(category=food)
    selected = re.compile(r'<option value="(\w+)" selected>')

    def chosen(**params):
        return selected.findall(filter_form_of(client.get(reverse("offers:list"), params)))

    assert chosen(category="food", sort="price") == ["food", "price"]
    assert chosen(category="spa", sort="price") == ["spa", "price"]
    assert chosen(category="food", sort="price", page=2) == ["food", "price"]
    assert chosen(sort="newest") == ["newest"]
    body = client.get(reverse("offers:list"), {"sort": "price", "lang": "zh-hans"}).content
    assert "价格从低到高" in body.decode()


def test_the_district_filter_offers_the_citys_own_districts(client):
    shanghai, beijing = CityFactory(slug="shanghai"), CityFactory(slug="beijing")
    DistrictFactory(city=shanghai, slug="jingan", name="Jing'an")
    DistrictFactory(city=beijing, slug="chaoyang", name="Chaoyang")
    form = filter_form_of(client.get(reverse("offers:list"), {"city": "shanghai"}))
    assert 'value="jingan"' in form
    assert 'value="chaoyang"' not in form
    refused = client.get(reverse("offers:list"), {"city": "shanghai", "district": "chaoyang"})
    assert refused.status_code == 400
    assert "District" in refused.content.decode()


def test_a_filter_form_holding_typed_words_is_kept_only_as_long_as_a_page(
    client, monkeypatch, settings
):
    from o2o import pagecache

    kept = []
    real = pagecache.keep_fragments

    def keep(version, entries, **kwargs):
        kept.append(kwargs.get("seconds", pagecache.FRAGMENT_SECONDS))
        real(version, entries, **kwargs)

    monkeypatch.setattr(pagecache, "keep_fragments", keep)
    client.get(reverse("offers:list"), {"sort": "price"})
    client.get(reverse("offers:list"), {"sort": "price", "price_min": "12345"})
    assert kept == [pagecache.FRAGMENT_SECONDS, settings.PAGE_CACHE_SECONDS]


def test_searches_share_one_kept_form_each_showing_its_own_words(client, monkeypatch):
    from storefront import offer_views

    OfferFactory(title="Hotpot for two")
    renders = []
    real = offer_views.render_to_string

    def counting(name, *args, **kwargs):
        renders.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(offer_views, "render_to_string", counting)
    for words in ("hotpot", "spa day", '"><script>alert(1)</script>'):
        form = filter_form_of(client.get(reverse("offers:list"), {"q": words, "sort": "price"}))
        assert f'value="{escape(words)}"' in form
        assert "<script>" not in form
        assert "search-words-slot" not in form
    assert renders.count("offers/_filter_form.html") == 1
