"""The demo data: several living cities, loaded once, in English and Chinese,
consistent with every invariant."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Min, Sum
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User
from demo import clock, images
from demo.places import distance_m
from merchants.models import (
    BusinessArea,
    Category,
    City,
    District,
    Membership,
    Merchant,
    Store,
)
from merchants.selectors import default_city
from offers.models import Favourite, Offer
from offers.selectors import coming_offers, visible_offers
from orders.models import Order, Redemption, Voucher
from reviews.models import Review, ReviewReply

from .money import assert_money_adds_up, assert_orders_count_their_vouchers

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    City,
    District,
    BusinessArea,
    Category,
    Merchant,
    Store,
    Offer,
    Order,
    Voucher,
    Redemption,
    Review,
    ReviewReply,
    Membership,
    Favourite,
)
HAN = re.compile(r"[\u4e00-\u9fff]")
# Each city's extent (south, west, north, east), from a map: every store is inside.
CITY_BOXES = {
    "shanghai": (30.68, 120.85, 31.88, 122.20),
    "beijing": (39.44, 115.42, 41.06, 117.51),
    "hangzhou": (29.18, 118.34, 30.57, 120.72),
    "shenzhen": (22.43, 113.75, 22.87, 114.63),
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module, inside a transaction rolled back at its end
    (each test runs in a savepoint of it), so no other module sees the demo."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--no-images", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _money_adds_up():
    """Replaces the conftest's check after every test: on the demo's hundreds
    of orders it takes seconds, and these tests only read the data, so it runs
    once, in test_the_demo_money_adds_up."""
    return


def test_the_demo_money_adds_up(seeded):
    assert_money_adds_up()
    assert_orders_count_their_vouchers()


def test_the_cities_are_full_of_deals(seeded):
    assert Category.objects.count() >= 10
    assert Merchant.objects.filter(status=Merchant.Status.APPROVED).count() >= 50
    assert visible_offers().count() >= 140
    assert visible_offers().filter(stock__isnull=False).exists()  # flash deals
    assert visible_offers().filter(stock__isnull=True).exists()
    assert Offer.objects.filter(status=Offer.Status.PENDING_REVIEW).exists()
    assert Merchant.objects.filter(status=Merchant.Status.PENDING).exists()
    assert Review.objects.count() >= 60
    assert ReviewReply.objects.exists()


def test_several_cities_and_shanghai_is_the_default(seeded):
    assert set(City.objects.values_list("slug", flat=True)) >= {
        "shanghai",
        "beijing",
        "hangzhou",
        "shenzhen",
    }
    assert City.objects.first().slug == "shanghai"  # first by position
    assert default_city().slug == "shanghai"
    live = visible_offers().values("merchant__city__slug").annotate(n=Count("pk"))
    per_city = {row["merchant__city__slug"]: row["n"] for row in live}
    assert min(per_city.values()) >= 10, per_city
    assert per_city["shanghai"] == max(per_city.values())  # the richest
    for city in City.objects.all():
        assert city.districts.count() >= 3
        assert city.business_areas.count() >= 4


def test_places_and_categories_are_named_in_both_languages(seeded):
    for model in (City, District, BusinessArea, Category):
        for en, zh in model.objects.values_list("name_en", "name_zh_hans"):
            assert en
            assert not HAN.search(en), en
            assert HAN.search(zh or ""), f"{model.__name__} {en} has no Chinese name"
    assert District.objects.get(city__slug="shanghai", slug="jingan").name_zh_hans == "静安区"
    assert BusinessArea.objects.get(slug="jingan-temple").name_zh_hans == "静安寺"
    assert Category.objects.get(slug="hotpot").name_zh_hans == "火锅"


def test_merchants_write_deals_in_their_own_language(seeded):
    live = list(visible_offers().select_related("merchant"))
    chinese = [o for o in live if HAN.search(o.title)]
    english = [o for o in live if not HAN.search(o.title)]
    assert len(chinese) >= 60
    assert len(english) >= 60
    for offer in chinese:  # written through, as Dianping merchants write
        assert HAN.search(offer.summary), offer.title
        assert HAN.search(offer.fine_print), offer.title
        assert all(HAN.search(line) for line in offer.included_items), offer.title
    rules = {line for o in chinese for line in o.fine_print.splitlines()}
    assert {"不与店内其他优惠同享，不设找零，不兑换现金", "每桌限用1张，仅限堂食"} <= rules
    assert not any(HAN.search(o.title + o.summary + o.fine_print) for o in english)
    # Every city has deals in Chinese.
    assert {o.merchant.city_id for o in chinese} == set(City.objects.values_list("pk", flat=True))


def test_every_store_is_in_its_city_and_near_its_business_area(seeded):
    stores = Store.objects.select_related("merchant__city", "district", "business_area")
    assert stores.count() >= 70
    for store in stores:
        south, west, north, east = CITY_BOXES[store.merchant.city.slug]
        assert south < store.latitude < north, store
        assert west < store.longitude < east, store
        area = store.business_area
        assert area is not None, store
        assert area.district == store.district, store
        assert store.district.city_id == store.merchant.city_id
        away = distance_m(
            float(store.latitude),
            float(store.longitude),
            float(area.latitude),
            float(area.longitude),
        )
        assert away <= 1500, f"{store} is {away:.0f} m from {area.name_en}"
        if HAN.search(store.merchant.name):  # a Chinese merchant's address is in Chinese
            assert HAN.search(store.address), store


def test_stores_around_jingan_temple_are_at_their_stated_distances(seeded):
    """The distances catalogue.py promises, for trying "nearby" by hand."""
    temple = BusinessArea.objects.get(slug="jingan-temple")
    expected = {"静安寺足道": 150, "小龙坎火锅": 300, "Morning Bean Coffee": 600, "老弄堂生煎": 850}
    for name, metres in expected.items():
        nearest = min(
            distance_m(
                float(s.latitude),
                float(s.longitude),
                float(temple.latitude),
                float(temple.longitude),
            )
            for s in Store.objects.filter(merchant__name=name)
        )
        assert abs(nearest - metres) < 5, (name, nearest)


def test_hotpot_deals_with_a_store_in_jingan(seeded):
    """What `静安火锅` must find: live hotpot deals usable in Jing'an, from several merchants."""
    deals = visible_offers().filter(
        category__slug="hotpot",
        stores__district__slug="jingan",
        stores__district__city__slug="shanghai",
    )
    merchants = set(deals.values_list("merchant__name", flat=True))
    assert {"小龙坎火锅", "渝味老灶火锅", "Golden Pot Hotpot"} <= merchants
    assert deals.filter(title="招牌双人套餐").exists()


def test_history_is_spread_over_the_last_weeks(seeded):
    now = timezone.now()
    redemptions = Redemption.objects.all()
    assert redemptions.count() >= 150
    assert not redemptions.filter(created_at__gt=now).exists()
    weeks = {(now - r.created_at).days // 7 for r in redemptions}
    assert {0, 1, 2, 3, 4} <= weeks
    # Rankings' "this month" has redemptions in every city.
    month = redemptions.filter(created_at__gte=now - timedelta(days=30))
    assert set(month.values_list("voucher__offer__merchant__city__slug", flat=True)) == set(
        CITY_BOXES
    )
    # Orders come before their use, and deals before their orders.
    assert not Order.objects.filter(created_at__lt=F("offer__published_at")).exists()
    used = Voucher.objects.annotate(first_use=Min("redemptions__created_at")).filter(
        first_use__isnull=False
    )
    assert not used.filter(first_use__lt=F("order__paid_at")).exists()


def test_reviews_come_after_use_and_some_are_in_chinese(seeded):
    reviews = Review.objects.annotate(first_use=Min("voucher__redemptions__created_at"))
    assert not reviews.filter(first_use__isnull=True).exists()
    assert not reviews.filter(created_at__lt=F("first_use")).exists()
    chinese = [r for r in Review.objects.all() if HAN.search(r.text)]
    assert len(chinese) >= 30
    assert Review.objects.filter(merchant__name="小龙坎火锅").exists()


def test_some_deals_are_new_ended_or_paused(seeded):
    two_weeks_ago = timezone.now() - timedelta(days=14)
    assert visible_offers().filter(published_at__gte=two_weeks_ago).count() >= 5
    ended = Offer.objects.get(status=Offer.Status.ENDED)
    assert ended.sale_ends_at < timezone.now()
    assert ended.orders.exists()  # it sold while it was on
    assert Offer.objects.filter(status=Offer.Status.PAUSED).exists()
    assert not visible_offers().filter(status__in=["ended", "paused"]).exists()
    about_to_end = visible_offers().filter(sale_ends_at__isnull=False)
    assert about_to_end.exists()


def test_a_flash_deal_in_each_language_starts_within_hours(seeded):
    """`make run` shows a countdown ("Starts in hh:mm:ss") and "Remind me"."""
    coming = list(coming_offers().select_related("merchant"))
    assert {offer.merchant.name for offer in coming} == {"Golden Pot Hotpot", "小龙坎火锅"}
    for offer in coming:
        assert offer.sale_starts_at - timezone.now() < timedelta(hours=6)
        assert offer.stock_left == offer.stock  # nothing sold before the start


def test_demo_logins_work_with_their_roles(seeded, rf):
    request = rf.get("/")
    for email in ("consumer@example.com", "owner@example.com", "cashier@example.com"):
        assert authenticate(request, username=email, password="demo-pass-2026") is not None
    admin = authenticate(request, username="admin@example.com", password="demo-pass-2026")
    assert admin.is_staff
    assert admin.is_superuser
    owner = Membership.objects.get(user__email="owner@example.com")
    cashier = Membership.objects.get(user__email="cashier@example.com")
    assert owner.role == Membership.Role.OWNER
    assert cashier.role == Membership.Role.CASHIER
    assert cashier.merchant == owner.merchant
    assert owner.merchant.stores.count() == 2
    assert visible_offers().filter(merchant=owner.merchant).count() >= 3


def test_the_demo_consumer_has_vouchers_in_several_states(seeded):
    consumer = User.objects.get(email="consumer@example.com")
    statuses = set(Voucher.objects.filter(user=consumer).values_list("status", flat=True))
    assert {Voucher.Status.ISSUED, Voucher.Status.REDEEMED} <= statuses
    assert Review.objects.filter(user=consumer).exists()
    assert Favourite.objects.filter(user=consumer).count() >= 3


def test_the_merchants_funnel_starts_with_views(seeded):
    """A dashboard's funnel reads views → orders → ...: browsing comes first."""
    live = Offer.objects.filter(status=Offer.Status.LIVE).annotate(n_orders=Count("orders"))
    assert not live.filter(view_count=0).exists()
    assert not live.filter(view_count__lte=F("n_orders")).exists()


def test_seeding_twice_changes_nothing(seeded):
    before = {model: model.objects.count() for model in MODELS}
    out = io.StringIO()
    call_command("seed_demo", "--no-images", stdout=out)
    assert {model: model.objects.count() for model in MODELS} == before
    assert "nothing to do" in out.getvalue()


def test_demo_orders_keep_the_invariants(seeded):
    paid = Order.objects.filter(status__in=["paid", "completed"]).annotate(n=Count("vouchers"))
    assert paid.exists()
    assert not paid.exclude(n=F("quantity")).exists()
    for offer in Offer.objects.filter(stock__isnull=False):
        taken = (
            Order.objects.filter(offer=offer)
            .exclude(status="cancelled")
            .aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        assert offer.stock_left + taken == offer.stock


def test_the_banner_names_the_cities_and_both_languages():
    out = io.StringIO()
    call_command("demo_banner", "--url", "http://127.0.0.1:9000/", stdout=out)
    banner = out.getvalue()
    assert "Shanghai 上海" in banner
    assert "Beijing 北京" in banner
    assert "English and Chinese" in banner
    assert "consumer@example.com" in banner


def test_the_demo_clock_runs_the_services_in_the_past():
    moment = timezone.now() - timedelta(days=20)
    with clock.at(moment):
        assert timezone.now() == moment
    assert timezone.now() > moment
    with pytest.raises(ValueError, match="past"), clock.at(timezone.now() + timedelta(days=1)):
        pass


# ------------------------------------------------------------------ images


def _blank() -> bytes:
    return images.deal_image(title="", colour="#e03131", seed=7)


@pytest.fixture
def no_cjk_font(monkeypatch):
    monkeypatch.setattr(images, "CJK_FONT_PATHS", ("/nonexistent/font.ttc",))
    images.cjk_font.cache_clear()
    yield
    images.cjk_font.cache_clear()


def test_without_a_cjk_font_a_chinese_title_is_left_off_the_image(no_cjk_font):
    """Boxes instead of characters would be worse than no title at all."""
    assert images.title_font("招牌双人套餐") is None
    assert images.deal_image(title="招牌双人套餐", colour="#e03131", seed=7) == _blank()
    assert images.deal_image(title="Hotpot set for two", colour="#e03131", seed=7) != _blank()


def test_a_chinese_title_is_drawn_with_a_cjk_font():
    if images.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei; .ci/run does)")
    font = images.title_font("招牌双人套餐")
    assert font is images.cjk_font()
    assert images._draws(font, "招牌双人套餐")  # real glyphs, not the missing-glyph box
    drawn = images.deal_image(title="招牌双人套餐", colour="#e03131", seed=7)
    assert drawn != _blank()
    assert Image.open(io.BytesIO(drawn)).size == (images.WIDTH, images.HEIGHT)


def test_pillows_own_font_has_no_chinese():
    """Why a CJK font is needed: the default font draws 火锅 as boxes."""
    assert not images._draws(ImageFont.load_default(size=38), "火锅")


def test_long_titles_wrap_between_chinese_characters_and_latin_words():
    font = images.cjk_font() or ImageFont.load_default(size=38)
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    width = images.WIDTH - 64
    chinese = "鲜切牛肉三人套餐 当日现宰吊龙匙仁嫩肉五花趾 手打牛肉丸牛筋丸 沙茶酱炒粿条 " * 2
    lines = images.wrap(draw, chinese, font, width)
    assert len(lines) == images.MAX_LINES
    assert lines[-1].endswith("…")
    assert all(draw.textlength(line, font=font) <= width for line in lines)
    title = "Hotpot feast for four with drinks and dessert"
    latin = images.wrap(draw, title, ImageFont.load_default(size=38), width)
    assert len(latin) == 2
    assert " ".join(latin) == title  # broken between words, none cut


def test_the_demo_has_live_coupon_campaigns_and_the_banner_prints_the_promo_code(seeded):
    from orders.models import Coupon, CouponCampaign
    from orders.selectors import claimable_campaigns

    now = timezone.now()
    live = claimable_campaigns(now=now)
    assert live.count() >= 3
    flash = CouponCampaign.objects.get(title__startswith="限时红包")
    assert flash.quantity == 20
    assert now < flash.ends_at <= now + timedelta(hours=6)
    assert CouponCampaign.objects.filter(grant_on_signup=True).exists()
    assert CouponCampaign.objects.filter(merchant__isnull=False).exists()
    assert Coupon.objects.filter(user__email="consumer@example.com").exists()
    out = io.StringIO()
    call_command("demo_banner", "--url", "http://127.0.0.1:9000/", stdout=out)
    code = CouponCampaign.objects.get(promo_code__isnull=False).promo_code
    assert f"Promo code at checkout: {code}" in out.getvalue()


def test_the_demo_consumer_has_invited_friends(seeded):
    from accounts.models import User
    from orders.models import Coupon, ReferralReward
    from orders.selectors import referral_campaign

    consumer = User.objects.get(email="consumer@example.com")
    assert referral_campaign(currency="CNY", now=timezone.now()) is not None
    assert consumer.referred.count() == 3
    assert ReferralReward.objects.filter(referrer=consumer, outcome="granted").count() == 2
    assert Coupon.objects.filter(user=consumer, source=Coupon.Source.REFERRAL).count() == 2
    assert User.objects.get(email="friend@example.com").referred_by == consumer
