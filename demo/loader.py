"""Loads the demo: several cities with their districts and business areas,
merchants and deals in English and Chinese, and weeks of history.

Every write on a merchant, store, offer, order, voucher, redemption, review
or favourite goes through its app's services, run at the moment it happens
in the demo's past (demo/clock.py), so every invariant holds in the demo
too. Places and categories have no services (the admin edits them): they are
created here directly.

Idempotent per city: a city already in the database is left as it is.
"""

import functools
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import CommandError
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from merchants import services as merchant_services
from merchants.models import BusinessArea, Category, City, District, Membership, Merchant, Store
from offers import services as offer_services
from offers.models import Offer
from orders import services as order_services
from orders.models import Coupon, CouponCampaign, Order
from orders.services import coupon_grant
from payments import services as payment_services
from rankings.services import rankings_compute
from reviews import services as review_services

from . import clock
from .catalogue import (
    DINER_NAMES_EN,
    DINER_NAMES_ZH,
    DINERS_PER_CITY,
    PENDING_DEALS,
    REPLIES_EN,
    REPLIES_ZH,
    REVIEWS_EN,
    REVIEWS_ZH,
    SHOPS,
    Deal,
    Shop,
    StoreAt,
)
from .images import deal_image
from .places import CATEGORIES, CITIES, Area, CityData, area_index, offset

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo password
DEMO_USERS = [
    ("consumer@example.com", "consumer", "a consumer with past orders, vouchers and reviews"),
    ("owner@example.com", "owner", "owner of Golden Pot Hotpot"),
    ("cashier@example.com", "cashier", "cashier at Golden Pot Hotpot"),
    ("admin@example.com", "admin", "staff superuser"),
]
HISTORY_DAYS = 42  # the diners' orders are spread over the last six weeks
# Typed at checkout for ¥20 off orders of ¥150 or more (the banner prints it).
DEMO_PROMO_CODE = "HELLO20"
FINE_PRINT_EN = "One voucher per table or visit unless stated. Not combinable with other offers."
AREAS = area_index()


@dataclass
class Made:
    """A shop of the catalogue as it is in the database."""

    shop: Shop
    merchant: Merchant
    owner: User
    stores: list[Store]
    published: datetime  # when its first deals went live
    offers: dict[str, Offer] = field(default_factory=dict)  # by title
    new: dict[str, datetime] = field(default_factory=dict)  # when each new deal goes live


@dataclass
class Visit:
    """One diner's order of a deal, and what followed it."""

    user: User
    made: Made
    deal: Deal
    quantity: int
    redeem_at: datetime | None = None
    vouchers_used: int = 1  # how many of the order's vouchers are used then
    review: tuple[int, str] | None = None
    review_at: datetime | None = None
    reply: str = ""
    reply_at: datetime | None = None
    order: Order | None = None
    review_id: int | None = None


class Loader:
    def __init__(self, *, images: bool, say: Callable[[str], None]) -> None:
        self.images = images
        self.say = say
        self.now = timezone.now()
        # The published password, hashed once: hashing it for each of a
        # hundred users would take most of a minute.
        self.password = make_password(DEMO_PASSWORD)
        self.rng = random.Random(2026)  # noqa: S311 - demo data, not secrets (each city reseeds)
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []

    # ----------------------------------------------------------- the whole demo

    def load(self) -> list[str]:
        """Load every city not yet in the database; the names of those loaded."""
        categories = self._categories()
        self.admin = self._user(
            "admin@example.com", is_staff=True, is_superuser=True, display_name="Admin"
        )
        loaded = []
        for position, data in enumerate(CITIES):
            city = City.objects.filter(slug=data.slug).first()
            if city is None:
                self._city(data, position, categories)
                loaded.append(data.en)
            elif not city.business_areas.exists():
                self.say(
                    f"{data.en} holds demo data of an earlier version (one city, in English): "
                    "`make clean` and `make run` load the new demo."
                )
        if loaded:  # the rankings of the history just made, before beat's first run
            rankings_compute()
            self._coupons(categories)
        return loaded

    def _coupons(self, categories: dict[str, Category]) -> None:
        """Live coupon campaigns: the welcome red packet, a platform coupon to
        claim, a small flash red packet, a merchant's own, a category's and a
        promo code; the demo consumer holds one."""
        day = timedelta(days=1)
        # The next Saturday's first moment, in the site's time zone.
        today = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        weekend = today + ((5 - today.weekday()) % 7 or 7) * day
        golden_pot = Merchant.objects.filter(memberships__user__email="owner@example.com").first()
        campaigns = [
            CouponCampaign(
                title="新人红包 · Welcome red packet",
                value=Decimal("10"),
                min_spend=Decimal("50"),
                valid_days=14,
                claimable=False,
                grant_on_signup=True,
            ),
            CouponCampaign(
                title="满100减15 · ¥15 off ¥100",
                value=Decimal("15"),
                min_spend=Decimal("100"),
                valid_days=7,
                quantity=5000,
            ),
            CouponCampaign(
                title="限时红包 · Flash red packet",
                value=Decimal("30"),
                min_spend=Decimal("120"),
                valid_days=3,
                quantity=20,
                ends_at=self.now + 6 * day / 24,
            ),
            CouponCampaign(
                title="丽人节 · Beauty week 12% off",
                kind=CouponCampaign.Kind.PERCENT,
                value=Decimal("12"),
                max_discount=Decimal("40"),
                scope=CouponCampaign.Scope.CATEGORY,
                scope_category=categories.get("beauty"),
                valid_until=self.now + 10 * day,
                quantity=500,
            )
            if categories.get("beauty")
            else None,
            CouponCampaign(
                title="Golden Pot regulars: 10% off",
                merchant=golden_pot,
                kind=CouponCampaign.Kind.PERCENT,
                value=Decimal("10"),
                max_discount=Decimal("30"),
                scope=CouponCampaign.Scope.MERCHANT,
                scope_merchant=golden_pot,
                valid_days=30,
                quantity=300,
            )
            if golden_pot
            else None,
            CouponCampaign(
                title="Promo code HELLO20 · ¥20 off ¥150",
                value=Decimal("20"),
                min_spend=Decimal("150"),
                valid_days=7,
                claimable=False,
                promo_code=DEMO_PROMO_CODE,
            ),
            CouponCampaign(
                title="周末专享 · Weekend only: ¥25 off ¥150",
                value=Decimal("25"),
                min_spend=Decimal("150"),
                valid_from=weekend,
                valid_until=weekend + 2 * day - timedelta(microseconds=1),
                quantity=300,
            ),
            CouponCampaign(
                title="邀请有礼 · Invite a friend: ¥20 each",
                value=Decimal("20"),
                min_spend=Decimal("60"),
                valid_days=30,
                claimable=False,
                grant_on_referral=True,
                per_user_limit=20,
            ),
        ]
        made = CouponCampaign.objects.bulk_create([c for c in campaigns if c is not None])
        consumer = User.objects.filter(email="consumer@example.com").first()
        if consumer is not None:
            coupon_grant(user=consumer, campaign_id=made[1].pk, source=Coupon.Source.CLAIM)
            self._referrals(consumer)

    def _referrals(self, consumer: User) -> None:
        """The demo consumer invited two diners (each rewarded at their first
        paid order) and a friend who has not ordered yet."""
        friends = ["diner0@example.com", "diner1@example.com"]
        User.objects.filter(email__in=friends).update(referred_by=consumer)
        for email in friends:
            first = (
                Order.objects.filter(user__email=email, paid_at__isnull=False)
                .order_by("paid_at")
                .first()
            )
            if first is not None:
                order_services.referral_reward(order_id=first.pk)
        self._user("friend@example.com", display_name="小李", referred_by=consumer)

    def _categories(self) -> dict[str, Category]:
        categories = {}
        for position, (slug, en, zh, icon, colour) in enumerate(CATEGORIES):
            category, _ = Category.objects.get_or_create(
                slug=slug,
                defaults={
                    "name_en": en,
                    "name_zh_hans": zh,
                    "icon": icon,
                    "color": colour,
                    "position": position,
                },
            )
            # A database seeded before names had two languages gets the Chinese one.
            Category.objects.filter(
                Q(name_zh_hans="") | Q(name_zh_hans__isnull=True), pk=category.pk
            ).update(name_zh_hans=zh)
            categories[slug] = category
        return categories

    def _user(self, email: str, **extra: Any) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, password=self.password, **extra)
            user.save()
        return user

    # ----------------------------------------------------------------- one city

    def _city(self, data: CityData, position: int, categories: dict[str, Category]) -> None:
        # Each city draws from its own numbers, so loading one never changes another.
        self.rng = random.Random(f"demo-{data.slug}")  # noqa: S311 - demo data, not secrets
        self.events = []
        city = City.objects.create(
            slug=data.slug,
            name_en=data.en,
            name_zh_hans=data.zh,
            latitude=Decimal(data.lat),
            longitude=Decimal(data.lng),
            position=position,
        )
        areas: dict[str, BusinessArea] = {}
        for d in data.districts:
            district = District.objects.create(
                city=city,
                slug=d.slug,
                name_en=d.en,
                name_zh_hans=d.zh,
                latitude=Decimal(d.lat),
                longitude=Decimal(d.lng),
            )
            for a in d.areas:
                areas[a.slug] = BusinessArea.objects.create(
                    city=city,
                    district=district,
                    slug=a.slug,
                    name_en=a.en,
                    name_zh_hans=a.zh,
                    latitude=Decimal(a.lat),
                    longitude=Decimal(a.lng),
                )
        made = [
            self._shop(index, shop, city, data, areas, categories)
            for index, shop in enumerate(SHOPS)
            if AREAS[shop.stores[0].area][0] is data
        ]
        if position == 0:
            self._demo_logins(city, data, areas, made)
        self._history(data, made)
        for _when, _n, event in sorted(self.events, key=lambda e: (e[0], e[1])):
            event()
        self._views(made)
        offer_services.end_finished_offers()  # the deals whose sale window has closed
        live = Offer.objects.filter(merchant__city=city, status=Offer.Status.LIVE)
        chinese = live.filter(merchant__in=[m.merchant for m in made if m.shop.language == "zh"])
        self.say(
            f"{data.en}: {len(made)} merchants, {live.count()} live deals "
            f"({chinese.count()} in Chinese)."
        )

    def _at(self, when: datetime, event: Callable[[], None]) -> None:
        """Run `event` at `when` in the demo's past, after everything earlier."""

        def run() -> None:
            with clock.at(when):
                event()

        self.events.append((when, len(self.events), run))

    # ------------------------------------------------------------- merchants

    def _store_fields(self, at: StoreAt, data: CityData, *, english: bool) -> dict[str, Any]:
        area = AREAS[at.area][2]
        metres = at.metres if at.metres is not None else self.rng.randint(100, 900)
        bearing = at.bearing if at.bearing is not None else self.rng.randint(0, 359)
        lat, lng = offset(Decimal(area.lat), Decimal(area.lng), metres=metres, bearing=bearing)
        return {
            "name": f"{area.en} store" if english else f"{area.zh}店",
            "address": self._address(area, english=english),
            "latitude": lat,
            "longitude": lng,
            "phone": self._phone(data),
        }

    def _address(self, area: Area, *, english: bool) -> str:
        """The street address (pages show the district beside it)."""
        street = self.rng.choice(area.streets)
        number = self.rng.randint(8, 1699)
        if english:
            return f"{number} {street.en}"
        floor = self.rng.choice(["", "", "1楼", "2楼", "B1层", "3楼"])
        return f"{street.zh}{number}号{floor}"

    def _phone(self, data: CityData) -> str:
        return f"{data.phone_prefix}-{self.rng.randint(5000, 6999)}-{self.rng.randint(1000, 9999)}"

    def _shop(
        self,
        index: int,
        shop: Shop,
        city: City,
        data: CityData,
        areas: dict[str, BusinessArea],
        categories: dict[str, Category],
    ) -> Made:
        english = shop.language == "en"
        joined = self._days_ago(90 - index / 2, hour=10)
        published = joined + timedelta(days=1, hours=3)
        email = "owner@example.com" if index == 0 else f"owner{index}@example.com"
        owner = self._user(
            email,
            display_name=shop.name.split()[0] if english else shop.name,
            date_joined=joined,
        )
        first, *more = shop.stores
        fields = self._store_fields(first, data, english=english)
        first_area = areas[first.area]
        with clock.at(joined):
            merchant = merchant_services.merchant_apply(
                user=owner,
                name=shop.name,
                category=categories[shop.category],
                city=city,
                description=shop.description
                or f"{shop.name} — loved by locals around {AREAS[first.area][2].en}.",
                store_name=fields["name"],
                district=first_area.district,
                business_area=first_area,
                address=fields["address"],
                latitude=fields["latitude"],
                longitude=fields["longitude"],
                phone=fields["phone"],
                hours=shop.hours,
            )
        with clock.at(published):
            merchant = merchant_services.merchant_approve(merchant=merchant, by=self.admin)
            for at in more:
                merchant_services.store_create(
                    merchant=merchant,
                    district=areas[at.area].district,
                    business_area=areas[at.area],
                    hours=shop.hours,
                    **self._store_fields(at, data, english=english),
                )
        made = Made(shop, merchant, owner, list(merchant.stores.order_by("pk")), published)
        for deal in shop.deals:
            if deal.new:  # published in the last days, in the timeline
                when = self._days_ago(self.rng.uniform(3, 12), hour=self.rng.randint(9, 17))
                made.new[deal.title] = when
                self._at(when, functools.partial(self._publish, made, deal))
            else:
                with clock.at(published):
                    self._publish(made, deal)
            if deal.paused:
                when = self._days_ago(4, hour=18)
                self._at(when, functools.partial(self._pause, made, deal))
        return made

    def _publish(self, made: Made, deal: Deal) -> None:
        """The merchant writes the deal, submits it and an admin approves it."""
        offer = self._offer(made, deal)
        offer_services.offer_submit(offer=offer, by=made.owner)
        made.offers[deal.title] = offer_services.offer_approve(offer=offer, by=self.admin)

    def _pause(self, made: Made, deal: Deal) -> None:
        offer_services.offer_pause(offer=made.offers[deal.title], by=made.owner)

    def _offer(self, made: Made, deal: Deal) -> Offer:
        terms: dict[str, Any] = {
            "validity_days": 90,
            "uses_per_voucher": 1,
            "refundable": True,
            "refund_on_expiry": True,
            **deal.terms,
        }
        if deal.ends_in_days is not None:
            terms["sale_ends_at"] = self.now + timedelta(days=deal.ends_in_days)
        if deal.starts_in_hours is not None:  # coming: "Starts in …" on its page
            terms["sale_starts_at"] = self.now + timedelta(hours=deal.starts_in_hours)
        if made.shop.language == "zh":
            description = f"{deal.summary}。到店出示券码或二维码即可使用。"
            fine_print = fine_print_zh(deal, terms, made.shop.category)
        else:
            description = f"{deal.summary}. Show your voucher code or QR code at the counter."
            fine_print = "\n".join(filter(None, [deal.fine_print, FINE_PRINT_EN]))
        offer = offer_services.offer_create(
            merchant=made.merchant,
            by=made.owner,
            stores=made.stores,
            category=made.merchant.category,
            title=deal.title,
            summary=deal.summary,
            description=description,
            includes=deal.includes,
            fine_print=fine_print,
            price=Decimal(deal.price),
            list_price=Decimal(deal.list_price),
            **terms,
        )
        if self.images:
            data = deal_image(
                title=deal.title,
                colour=made.merchant.category.color,
                seed=zlib.crc32(deal.title.encode()),
            )
            offer = offer_services.offer_set_image(
                offer=offer, by=made.owner, image=ContentFile(data, name=f"deal-{offer.pk}.jpg")
            )
        return offer

    def _demo_logins(
        self, city: City, data: CityData, areas: dict[str, BusinessArea], made: list[Made]
    ) -> None:
        """The cashier of the demo logins, deals and a merchant waiting for an admin,
        and the demo consumer's own orders."""
        by_name = {m.shop.name: m for m in made}
        golden = made[0]
        cashier = self._user("cashier@example.com", display_name="Chen")
        Membership.objects.get_or_create(
            user=cashier, merchant=golden.merchant, defaults={"role": Membership.Role.CASHIER}
        )
        for name, title, summary, price, list_price in PENDING_DEALS:
            shop = by_name[name]
            deal = Deal(title, summary, "", price, list_price)
            offer_services.offer_submit(offer=self._offer(shop, deal), by=shop.owner)

        applicant = self._user("applicant@example.com", display_name="Wang")
        area = areas["north-sichuan-road"]
        merchant_services.merchant_apply(
            user=applicant,
            name="Noodle Bar Zhang",
            category=Category.objects.get(slug="chinese"),
            city=city,
            description="Hand-pulled noodles since 1998.",
            store_name="North Sichuan Road store",
            district=area.district,
            business_area=area,
            address="66 North Sichuan Road",
            latitude=Decimal("31.2612"),
            longitude=Decimal("121.4846"),
            phone=self._phone(data),
            hours="07:00–20:00",
        )

        consumer = self._user(
            "consumer@example.com",
            display_name="Lin",
            city_slug=city.slug,
            date_joined=self._days_ago(60, hour=20),
        )
        coffee, xlk = by_name["Morning Bean Coffee"], by_name["小龙坎火锅"]
        # Something used and reviewed, something used and not yet reviewed, a
        # card partly used, and vouchers still to use.
        self._visit(
            Visit(consumer, golden, golden.shop.deals[0], 2, review=REVIEWS_EN[0]),
            bought=self._days_ago(12, hour=19),
        )
        self._visit(Visit(consumer, coffee, coffee.shop.deals[1], 1), bought=self._days_ago(6, 8))
        self._visit(Visit(consumer, coffee, coffee.shop.deals[0], 1), bought=self._days_ago(20, 9))
        self._visit(
            Visit(consumer, golden, golden.shop.deals[1], 1),
            bought=self._days_ago(2, hour=12),
            used=False,
        )
        self._visit(
            Visit(consumer, xlk, xlk.shop.deals[2], 2), bought=self._days_ago(1, 21), used=False
        )

        def favourites() -> None:
            for name, n in (("静安寺足道", 0), ("老弄堂生煎", 0), ("Old Lane Dumplings", 2)):
                offer = by_name[name].offers[by_name[name].shop.deals[n].title]
                offer_services.favourite_save(user=consumer, offer_id=offer.pk)

        self._at(self._days_ago(0.5, hour=9), favourites)

    # ------------------------------------------------------------- history

    def _days_ago(self, days: float, hour: int | None = None) -> datetime:
        """The moment `days` before now, at `hour` o'clock local time if given."""
        moment = self.now - timedelta(days=days)
        if hour is None:
            return moment
        local = timezone.localtime(moment).replace(
            hour=hour, minute=self.rng.randint(0, 59), second=self.rng.randint(0, 59)
        )
        return min(local, self.now - timedelta(minutes=30))

    def _window(self, made: Made, deal: Deal) -> tuple[datetime, datetime] | None:
        """When the diners could buy `deal` in the history, or None."""
        if deal.terms.get("stock") is not None or deal.starts_in_hours is not None:
            return (
                None  # flash deals keep their stock for the visitors; coming ones are not on sale
            )
        start = max(made.published, self.now - timedelta(days=HISTORY_DAYS))
        end = self.now - timedelta(hours=2)
        if deal.title in made.new:  # sold since it was published, days ago
            start = made.new[deal.title] + timedelta(hours=2)
        if deal.ends_in_days is not None:
            end = min(end, self.now + timedelta(days=deal.ends_in_days, hours=-2))
        if deal.paused:
            end = min(end, self.now - timedelta(days=5))
        return (start, end) if start < end else None

    def _history(self, data: CityData, made: list[Made]) -> None:
        """The city's diners: orders over the last weeks, most of them used,
        many of those reviewed, some reviews answered by the merchant."""
        choices = [
            (m, deal, window)
            for m in made
            for deal in m.shop.deals
            if (window := self._window(m, deal)) is not None
        ]
        # Squared: a few deals sell far more than the rest, as on any platform.
        weights = [deal.popularity**2 for _m, deal, _w in choices]
        names = {
            True: self.rng.sample(DINER_NAMES_ZH, len(DINER_NAMES_ZH)),
            False: self.rng.sample(DINER_NAMES_EN, len(DINER_NAMES_EN)),
        }
        for i in range(DINERS_PER_CITY[data.slug]):
            chinese = i % 3 != 0
            user = self._user(
                f"diner{i}@example.com"
                if data.slug == "shanghai"
                else f"diner.{data.slug}{i}@example.com",
                display_name=names[chinese][i % len(names[chinese])],
                city_slug=data.slug,
                date_joined=self._days_ago(HISTORY_DAYS + self.rng.uniform(1, 30)),
            )
            picked: set[int] = set()
            for _ in range(self.rng.choice([2, 3, 3, 4])):
                n = self.rng.choices(range(len(choices)), weights)[0]
                if n in picked:
                    continue
                picked.add(n)
                m, deal, (start, end) = choices[n]
                # More orders lately than six weeks ago: the platform grows.
                bought = end - (end - start) * self.rng.random() ** 1.4
                limit = deal.terms.get("limit_per_user")
                quantity = 1 if limit == 1 else self.rng.choice([1, 1, 1, 2])
                visit = Visit(user, m, deal, quantity, vouchers_used=quantity)
                if self.rng.random() < 0.7:
                    visit.review = self._review_text(m.shop, chinese=chinese)
                self._visit(visit, bought=bought, used=self.rng.random() < 0.8)

    def _review_text(self, shop: Shop, *, chinese: bool) -> tuple[int, str]:
        texts = REVIEWS_ZH[shop.category] if chinese else REVIEWS_EN
        weights = [{5: 6, 4: 4, 3: 1}.get(rating, 1) for rating, _ in texts]
        return self.rng.choices(texts, weights)[0]

    def _visit(self, visit: Visit, *, bought: datetime, used: bool = True) -> None:
        """Plan an order at `bought`, its use a little later (if before now),
        then the review and the merchant's reply."""
        latest = self.now - timedelta(minutes=30)
        if used:
            redeem_at = bought + timedelta(hours=self.rng.uniform(2, 24 * 5))
            visit.redeem_at = redeem_at if redeem_at < latest else None
        if visit.redeem_at and visit.review:
            review_at = visit.redeem_at + timedelta(hours=self.rng.uniform(1, 48))
            visit.review_at = review_at if review_at < latest else None
        if visit.review_at and visit.review and self.rng.random() < 0.4:
            replies = REPLIES_ZH if visit.made.shop.language == "zh" else REPLIES_EN
            fitting = [text for lowest, text in replies if visit.review[0] >= lowest]
            reply_at = visit.review_at + timedelta(hours=self.rng.uniform(2, 40))
            if reply_at < latest:
                visit.reply, visit.reply_at = self.rng.choice(fitting), reply_at
        self._at(bought, lambda: self._buy(visit))
        if visit.redeem_at:
            self._at(visit.redeem_at, lambda: self._redeem(visit))
        if visit.review_at:
            self._at(visit.review_at, lambda: self._write_review(visit))
        if visit.reply_at:
            self._at(visit.reply_at, lambda: self._reply(visit))

    def _buy(self, visit: Visit) -> None:
        offer = visit.made.offers[visit.deal.title]
        order = order_services.order_create(
            user=visit.user, offer_id=offer.pk, quantity=visit.quantity
        )
        payment, _ = payment_services.payment_start(order_id=order.pk, user=visit.user)
        payment_services.payment_succeeded(payment_id=payment.pk)
        visit.order = order

    def _redeem(self, visit: Visit) -> None:
        vouchers = list(visit.order.vouchers.order_by("number")) if visit.order else []
        if not vouchers:
            raise CommandError(f"No voucher for {visit.deal.title} of {visit.user.email}.")
        store = self.rng.choice(visit.made.stores)
        for voucher in vouchers[: visit.vouchers_used]:
            order_services.voucher_redeem(code=voucher.code, store_id=store.pk, by=visit.made.owner)

    def _write_review(self, visit: Visit) -> None:
        voucher = visit.order.vouchers.order_by("number").first() if visit.order else None
        if voucher is None or visit.review is None:
            raise CommandError(f"Nothing to review for {visit.user.email}.")
        rating, text = visit.review
        review = review_services.review_create(
            user=visit.user, voucher_id=voucher.pk, rating=rating, text=text
        )
        visit.review_id = review.pk

    def _reply(self, visit: Visit) -> None:
        if visit.review_id is None:
            raise CommandError(f"No review to answer for {visit.user.email}.")
        review_services.review_reply(
            review_id=visit.review_id, by=visit.made.owner, text=visit.reply
        )

    def _views(self, made: list[Made]) -> None:
        """Browsing comes first in the funnel: past views of every deal, as the
        view counters would have flushed them (o2o.counters)."""
        for m in made:
            for offer in Offer.objects.filter(merchant=m.merchant).order_by("pk"):
                seen = offer.sold_count * self.rng.randint(6, 18) + self.rng.randint(40, 400)
                Offer.objects.filter(pk=offer.pk).update(view_count=F("view_count") + seen)


MEALS = ("hotpot", "chinese", "western")


def fine_print_zh(deal: Deal, terms: dict[str, Any], category: str) -> str:
    """The rules a Dianping merchant adds to a deal (规则提醒): those the deal
    page does not already show from the deal's terms (validity, days, hours,
    booking, refunds)."""
    lines = deal.fine_print.splitlines()
    if category in MEALS and not any("每桌" in line for line in lines):
        lines.append("每桌限用1张，仅限堂食")
    if terms.get("booking_required"):
        lines.append("请提前1天电话预约，到店时出示券码")
    elif category in MEALS:
        lines.append("高峰期可能需要排队等位")
    if terms.get("uses_per_voucher", 1) > 1:
        lines.append("每次到店可使用1次，有效期内用完即止")
    lines.append("不与店内其他优惠同享，不设找零，不兑换现金")
    return "\n".join(lines)
