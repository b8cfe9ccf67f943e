"""Search in Chinese and English (offers.search): what a shopper typing in
the search box finds, on SQLite and PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from merchants import services as merchant_services
from offers import search, services
from offers.models import Offer, SearchDocument, SearchQuery, SearchTerm
from offers.selectors import visible_offers

from ..factories import StoreFactory, UserFactory
from ..search_world import deal, make_world, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = make_world()
    w.english_hotpot = deal(
        "Spicy hotpot for two", category=w.hotpot, district=w.jingan, merchant="Golden Pot"
    )
    w.chinese_hotpot = deal(
        "麻辣双人套餐", category=w.hotpot, district=w.jingan, area=w.temple, merchant="老王火锅"
    )
    w.xuhui_hotpot = deal("Hotpot buffet", category=w.hotpot, district=w.xuhui)
    w.jingan_spa = deal("Foot massage", category=w.spa, district=w.jingan)
    w.noodles = deal("重庆小面", category=w.noodles, district=w.xuhui)
    return w


def page_titles(client, q, **params):
    response = client.get(reverse("offers:list"), {"q": q, **params})
    assert response.status_code == 200
    return [offer.title for offer in response.context["page"].object_list]


def found(q):
    return {offer.title for offer in search.search(visible_offers(), q)}


HOTPOT_IN_JINGAN = {"Spicy hotpot for two", "麻辣双人套餐"}


def test_chinese_without_spaces_finds_the_hotpot_deals_with_a_store_in_jingan(client, world):
    assert set(page_titles(client, "静安火锅")) == HOTPOT_IN_JINGAN


@pytest.mark.parametrize(
    "q",
    [
        "静安 火锅",
        "hotpot jing'an",
        "Jing’an HOTPOT",
        "jing'an 火锅",
        "静安hotpot",
        "hotpot in 静安",
    ],
)
def test_spaces_english_and_mixed_find_the_same_deals(client, world, q):
    assert set(page_titles(client, q)) == HOTPOT_IN_JINGAN


def test_words_of_the_title_merchant_category_and_business_area_are_found(world):
    assert found("麻辣") == {"麻辣双人套餐"}
    assert found("老王") == {"麻辣双人套餐"}  # the merchant
    assert found("静安寺") == {"麻辣双人套餐"}  # the business area, in Chinese
    assert found("jing'an temple") == {"麻辣双人套餐"}  # and in English
    assert found("massage") == {"Foot massage"}
    assert found("按摩") == {"Foot massage"}  # the category's Chinese name


def test_pinyin_finds_chinese_words(world):
    assert found("xiaomian") == {"重庆小面"}
    assert found("chongqing") == {"重庆小面"}
    assert found("huoguo") == {
        "Spicy hotpot for two",
        "麻辣双人套餐",
        "Hotpot buffet",
    }  # the category 火锅
    assert found("jingan huoguo") == HOTPOT_IN_JINGAN


def test_one_chinese_character_and_the_start_of_a_word_are_found(world):
    assert found("面") == {"重庆小面"}
    assert found("hotp") == {"Spicy hotpot for two", "麻辣双人套餐", "Hotpot buffet"}


@pytest.mark.parametrize(("typed", "titles"), [("hotpto", 3), ("massgae", 1), ("xiaomain", 1)])
def test_a_misspelt_word_finds_the_deals_of_its_nearest_spelling(world, typed, titles):
    assert len(found(typed)) == titles


def test_every_word_must_match(world):
    assert found("hotpot massage") == set()
    assert found("spicy hotpot") == {"Spicy hotpot for two"}


def test_a_deal_edited_is_found_by_its_new_words_and_not_its_old_ones(client, world):
    offer = world.english_hotpot
    owner = owner_of(offer)
    store = offer.stores.get()
    fields = {
        "category": world.hotpot,
        "title": "Mushroom broth feast",
        "price": offer.price,
        "list_price": offer.list_price,
    }
    services.offer_update(offer=offer, by=owner, stores=[store], **fields)
    assert page_titles(client, "mushroom") == []  # waiting for review: nobody sees it
    services.offer_approve(offer=offer, by=UserFactory(is_staff=True))
    assert page_titles(client, "mushroom") == ["Mushroom broth feast"]
    assert page_titles(client, "spicy") == []
    # An edit saved as it is (the admin), without going back to review:
    offer.refresh_from_db()
    offer.title = "Truffle broth feast"
    offer.save()
    assert page_titles(client, "truffle") == ["Truffle broth feast"]
    assert page_titles(client, "mushroom") == []


def test_a_renamed_merchant_and_category_are_found_by_their_new_names(world):
    merchant = world.chinese_hotpot.merchant
    merchant.name = "小李涮肉"
    merchant.save()
    assert found("小李") == {"麻辣双人套餐"}
    assert found("老王") == set()
    world.noodles.category.name_zh_hans = "小吃"
    world.noodles.category.save()
    assert found("小吃") == {"重庆小面"}


def test_a_store_moved_to_another_district_is_found_there(world):
    offer = world.jingan_spa
    store = offer.stores.get()
    merchant_services.store_update(store=store, by=owner_of(offer), district=world.xuhui)
    assert found("massage 徐汇") == {"Foot massage"}
    assert found("massage xuhui") == {"Foot massage"}
    assert found("massage 静安") == set()
    # A deal given another store (from the store's side) is found there too.
    StoreFactory(merchant=offer.merchant, district=world.jingan).offers.add(offer)
    assert found("massage jing'an") == {"Foot massage"}


def test_hidden_and_ended_deals_are_never_found(client, world):
    paused, pending = world.english_hotpot, world.xuhui_hotpot
    services.offer_pause(offer=paused, by=owner_of(paused))
    fields = {"category": world.hotpot, "title": pending.title, "price": pending.price}
    services.offer_update(
        offer=pending,
        by=owner_of(pending),
        stores=list(pending.stores.all()),
        **fields,
        list_price=pending.list_price,
    )
    ended = deal("Hotpot night", category=world.hotpot, district=world.jingan)
    Offer.objects.filter(pk=ended.pk).update(sale_ends_at=timezone.now() - timedelta(minutes=1))
    services.end_finished_offers()
    suspended = world.chinese_hotpot.merchant
    merchant_services.merchant_suspend(
        merchant=suspended, by=UserFactory(is_staff=True), reason="Complaints"
    )
    not_yet = deal("Hotpot morning", category=world.hotpot, district=world.jingan)
    Offer.objects.filter(pk=not_yet.pk).update(sale_starts_at=timezone.now() + timedelta(days=1))

    assert page_titles(client, "hotpot") == []
    assert page_titles(client, "火锅") == []
    assert page_titles(client, "hotpot", sort="price") == []
    # Only a deal a shopper may see is in the index at all.
    assert set(SearchDocument.objects.values_list("offer__title", flat=True)) == {
        "Foot massage",
        "重庆小面",
        "Hotpot morning",
    }
    # Back on sale, found again.
    services.offer_resume(offer=paused, by=owner_of(paused))
    merchant_services.merchant_reinstate(merchant=suspended, by=UserFactory(is_staff=True))
    assert set(page_titles(client, "hotpot")) == HOTPOT_IN_JINGAN


def _set(offer, *, reviews=0, stars=0, sold=0):
    Offer.objects.filter(pk=offer.pk).update(
        rating_count=reviews,
        rating_sum=stars,
        rating=Decimal(stars / reviews if reviews else 0).quantize(Decimal("0.01")),
        sold_count=sold,
    )


def test_among_equal_matches_the_well_rated_and_well_sold_deal_comes_first(client):
    w = make_world()
    plain, few_fives, loved = (
        deal("Dumplings for two", category=w.noodles, district=w.jingan) for _ in range(3)
    )
    _set(few_fives, reviews=2, stars=10, sold=3)  # 2 reviews at 5.0
    _set(loved, reviews=200, stars=960, sold=400)  # 200 at 4.8, and well sold
    ids = [o.pk for o in search.search(visible_offers(), "dumplings")]
    assert ids == [loved.pk, few_fives.pk, plain.pk]
    # An explicit sort still applies, within the matches.
    Offer.objects.filter(pk=plain.pk).update(price=Decimal("10"), list_price=Decimal("20"))
    deal("Noodles for one", category=w.noodles, district=w.jingan, price=Decimal("5"))
    listed = client.get(reverse("offers:list"), {"q": "dumplings", "sort": "price"})
    page = listed.context["page"]
    assert page.object_list[0].pk == plain.pk
    assert page.paginator.count == 3


def test_a_title_match_beats_a_category_match_of_a_better_deal():
    w = make_world()
    titled = deal("Hotpot for one", category=w.noodles, district=w.jingan)
    categorised = deal("Beef platter", category=w.hotpot, district=w.jingan)
    _set(categorised, reviews=20, stars=90, sold=50)
    assert [o.pk for o in search.search(visible_offers(), "hotpot")] == [
        titled.pk,
        categorised.pk,
    ]


@pytest.mark.parametrize("q", ["静安火锅", "hotpot jing'an"])
def test_the_deal_that_says_it_in_its_title_comes_first(q):
    w = make_world()
    platter = deal("Beef platter", category=w.hotpot, district=w.jingan)
    titled = deal("麻辣火锅 Spicy hotpot", category=w.noodles, district=w.jingan, area=w.temple)
    _set(platter, reviews=30, stars=140, sold=80)
    assert [o.pk for o in search.search(visible_offers(), q)] == [titled.pk, platter.pk]


def test_an_empty_search_suggests_searches_that_find_deals(client, world):
    body = client.get(reverse("offers:list"), {"q": "hotpot massage"}).content.decode()
    assert "No deals match these filters." in body
    assert "Did you mean:" in body
    assert 'href="/deals/?q=hotpot"' in body
    assert 'href="/deals/?q=massage"' in body


def test_an_empty_search_shows_popular_searches(client, world):
    SearchQuery.objects.create(text="静安火锅", count=12)
    SearchQuery.objects.create(text="hotpot", count=5)
    SearchQuery.objects.create(text="once only", count=1)  # too rare to show
    body = client.get(reverse("offers:list"), {"q": "zzzz"}).content.decode()
    assert "Popular searches" in body
    assert body.index("静安火锅") < body.index(">hotpot<")
    assert "once only" not in body


def test_a_chinese_word_written_with_a_homophone_is_found_by_its_pinyin(world):
    assert found("重庆小棉") == {"重庆小面"}  # 棉 for 面: both mian
    assert found("火过") == found("火锅")


def test_a_search_that_found_deals_counts_once_per_session(client, world):
    client.force_login(UserFactory())
    client.get(reverse("offers:list"), {"q": "静安火锅"})
    client.get(reverse("offers:list"), {"q": "静安 火锅"})  # the same search
    client.get(reverse("offers:list"), {"q": "静安 火锅", "sort": "price"})
    client.get(reverse("offers:list"), {"q": "zzzz nothing"})  # found nothing: not counted
    assert dict(SearchQuery.objects.values_list("text", "count")) == {"静安火锅": 1}


def test_counting_a_search_is_capped_per_client_address(world):
    requests = RequestFactory()
    counted = 0
    for _ in range(search.PER_ADDRESS_A_DAY + 5):
        request = requests.get("/deals/", REMOTE_ADDR="203.0.113.9")
        request.user = AnonymousUser()  # and no session: nothing to remember it by
        counted += search.record_search(request, "hotpot", found=True)
    assert counted == search.PER_ADDRESS_A_DAY
    assert SearchQuery.objects.get(text="hotpot").count == search.PER_ADDRESS_A_DAY
    request = requests.get("/deals/", REMOTE_ADDR="203.0.113.10")  # someone else
    request.user = AnonymousUser()
    assert search.record_search(request, "hotpot", found=True)


@pytest.mark.parametrize(
    "q",
    [
        "\x01\x02\x1f",
        "!!!???",
        "%",
        "_",
        "%_%",
        "'",
        '"',
        "\"hotpot' OR 1=1 --",
        'AND OR NOT NEAR * " -',
        "hotpot AND",
        "NEAR(hotpot spa)",
        "-hotpot",
        "hot*",
        "col:hotpot",
        "^hotpot",
        "🍲🍲",
        "ｈｏｔｐｏｔ",
        "a" * 200,
        "火" * 200,
    ],
)
def test_absurd_searches_get_an_answer_never_an_error(client, world, q):
    response = client.get(reverse("offers:list"), {"q": q})
    assert response.status_code == 200


def test_a_search_too_long_is_refused_with_a_reason(client, world):
    response = client.get(reverse("offers:list"), {"q": "火锅" * 5000})
    assert response.status_code == 400
    assert "Search:" in response.content.decode()


def test_the_index_holds_each_visible_deal_once_and_counts_its_words(world):
    assert SearchDocument.objects.count() == 5
    assert SearchTerm.objects.get(word="hotpot").documents == 3
    assert SearchTerm.objects.get(word="xiaomian").display == "小面"
    services.offer_pause(offer=world.noodles, by=owner_of(world.noodles))
    assert SearchTerm.objects.get(word="xiaomian").documents == 0
    assert search.did_you_mean("xiaomain", offers=visible_offers()) == []


def test_rebuild_search_index_writes_every_document_again(world):
    SearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()
    assert found("hotpot") == set()
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert found("hotpot") == {"Spicy hotpot for two", "麻辣双人套餐", "Hotpot buffet"}
    assert found("hotpto") == found("hotpot")


def _forget_pages():
    from o2o import pagecache

    pagecache.catalog_changed()


@pytest.mark.parametrize("n", [2, 8])
def test_a_search_page_costs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    w = make_world()
    for i in range(n):
        deal(f"Hotpot set {i}", category=w.hotpot, district=w.jingan)
    client.get(reverse("offers:list"), {"q": "hotpto"})  # warm: session, places
    _forget_pages()
    # As the list without a search (the page with its count; the cards'
    # merchants, categories and stores; the filter form's categories and
    # districts; the city comes from the cache), plus the nearest spellings
    # of the Latin words and the count of the search for "popular searches".
    with django_assert_num_queries(8):
        client.get(reverse("offers:list"), {"q": "hotpto 静安"})
    with django_assert_num_queries(0):
        client.get(reverse("offers:list"), {"q": "hotpto 静安"})
