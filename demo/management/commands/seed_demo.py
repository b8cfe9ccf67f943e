"""Demo data for one city: merchants, stores, live deals, past orders and reviews.

Idempotent: a second run finds the demo city and changes nothing. Orders,
vouchers, redemptions and reviews are made through the services, so every
invariant holds in the demo data too.
"""

import logging
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings

from accounts.models import User
from demo.images import deal_image
from merchants import services as merchant_services
from merchants.models import Category, City, District, Membership, Merchant, Store
from o2o.celery import app as celery_app
from offers import services as offer_services
from offers.models import Offer
from orders import services as order_services
from payments import services as payment_services
from reviews import services as review_services

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo password
DEMO_USERS = [
    ("consumer@example.com", "consumer", "a consumer with vouchers and reviews"),
    ("owner@example.com", "owner", "owner of Golden Pot Hotpot"),
    ("cashier@example.com", "cashier", "cashier at Golden Pot Hotpot"),
    ("admin@example.com", "admin", "staff superuser"),
]

CITY = ("Shanghai", "shanghai", Decimal("31.230400"), Decimal("121.473700"))
DISTRICTS = [
    ("Huangpu", "huangpu", Decimal("31.2317"), Decimal("121.4846")),
    ("Jing'an", "jingan", Decimal("31.2286"), Decimal("121.4480")),
    ("Xuhui", "xuhui", Decimal("31.1885"), Decimal("121.4365")),
    ("Changning", "changning", Decimal("31.2204"), Decimal("121.4241")),
    ("Pudong", "pudong", Decimal("31.2215"), Decimal("121.5440")),
    ("Hongkou", "hongkou", Decimal("31.2646"), Decimal("121.5052")),
    ("Yangpu", "yangpu", Decimal("31.2596"), Decimal("121.5260")),
]
CATEGORIES = [
    ("Hotpot & Chinese", "hotpot", "fa-bowl-food", "#e03131"),
    ("Western dining", "western", "fa-utensils", "#e8590c"),
    ("Coffee & desserts", "coffee", "fa-mug-hot", "#9c6644"),
    ("Hair & beauty", "beauty", "fa-scissors", "#c2255c"),
    ("Spa & massage", "spa", "fa-spa", "#0ca678"),
    ("Fitness", "fitness", "fa-dumbbell", "#1971c2"),
    ("Cinema & KTV", "cinema", "fa-film", "#7048e8"),
    ("Car wash", "carwash", "fa-car", "#1098ad"),
    ("Laundry", "laundry", "fa-shirt", "#4263eb"),
    ("Kids & family", "kids", "fa-child-reaching", "#f76707"),
]
# (category, merchant name, [(title, summary, includes, price, list price, extra)])
MERCHANTS: list[tuple[str, str, list[tuple[str, str, str, str, str, dict[str, Any]]]]] = [
    (
        "hotpot",
        "Golden Pot Hotpot",
        [
            (
                "Hotpot set for two",
                "Spicy and mild broth, 8 dishes",
                "Split broth pot\nSliced beef 200 g\nLamb rolls 200 g\nShrimp paste\nTofu skin\nVegetable platter\nHand-pulled noodles\n2 soft drinks",
                "198",
                "268",
                {"limit_per_user": 2},
            ),
            (
                "Hotpot feast for four",
                "Four people, 14 dishes and drinks",
                "Four-flavour broth\nWagyu slices\nLamb rolls\nFish fillets\nMeatball platter\nMushroom platter\nNoodles\n4 drinks",
                "368",
                "528",
                {},
            ),
            (
                "Lunch hotpot for one",
                "Weekday lunch, one person",
                "Personal pot\nBeef slices\nVegetables\nRice or noodles",
                "49",
                "78",
                {"usable_days": "Mon–Fri", "usable_hours": "11:00–14:00", "stock": 12},
            ),
        ],
    ),
    (
        "hotpot",
        "Old Lane Dumplings",
        [
            (
                "Dumpling feast for two",
                "Steamed and pan-fried, 40 pieces",
                "20 pork dumplings\n20 shrimp potstickers\n2 hot-and-sour soups",
                "69",
                "98",
                {},
            ),
            (
                "Xiaolongbao breakfast",
                "8 soup dumplings and soy milk",
                "8 xiaolongbao\nSoy milk",
                "19.9",
                "32",
                {"usable_hours": "07:00–10:30"},
            ),
            (
                "Flash deal: crab-roe dumplings",
                "Limited batch, 12 pieces",
                "12 crab-roe xiaolongbao\nGinger vinegar",
                "59",
                "118",
                {"stock": 8, "limit_per_user": 1},
            ),
        ],
    ),
    (
        "hotpot",
        "Sichuan Garden",
        [
            (
                "Sichuan dinner for two",
                "Mapo tofu, fish in chilli oil and more",
                "Boiled fish in chilli oil\nMapo tofu\nKung pao chicken\nGreens\n2 rice",
                "158",
                "226",
                {},
            ),
            (
                "Spicy crayfish night",
                "1 kg crayfish with beer",
                "1 kg crayfish\n2 beers",
                "128",
                "188",
                {"booking_required": True},
            ),
            (
                "Dan dan noodles lunch",
                "Noodles, side and drink",
                "Dan dan noodles\nSmashed cucumber\nIced tea",
                "29",
                "42",
                {},
            ),
        ],
    ),
    (
        "western",
        "Bund Steakhouse",
        [
            (
                "Steak dinner for two",
                "Two 200 g ribeyes, sides and wine",
                "2 ribeye steaks\nTruffle fries\nCaesar salad\n2 glasses of red wine",
                "488",
                "720",
                {"booking_required": True, "refund_on_expiry": False},
            ),
            (
                "Business lunch set",
                "Starter, main and coffee",
                "Soup of the day\nSteak frites or fish\nCoffee",
                "98",
                "148",
                {"usable_days": "Mon–Fri"},
            ),
            (
                "Burger and craft beer",
                "Wagyu burger with a pint",
                "Wagyu burger\nFries\nCraft beer",
                "88",
                "128",
                {},
            ),
        ],
    ),
    (
        "western",
        "Trattoria Nonna",
        [
            (
                "Pizza night for two",
                "Two wood-fired pizzas and tiramisu",
                "2 pizzas\nTiramisu\n2 soft drinks",
                "158",
                "236",
                {},
            ),
            (
                "Pasta lunch",
                "Fresh pasta and a drink",
                "Fresh pasta of the day\nDrink",
                "58",
                "88",
                {},
            ),
            (
                "Family Italian feast",
                "For four: antipasti, pasta, pizza",
                "Antipasti platter\n2 pastas\n2 pizzas\nDessert",
                "398",
                "560",
                {},
            ),
        ],
    ),
    (
        "coffee",
        "Morning Bean Coffee",
        [
            (
                "10 coffees card",
                "Any classic coffee, 10 times",
                "10 classic coffees (latte, flat white, americano)",
                "180",
                "320",
                {"uses_per_voucher": 10, "validity_days": 180},
            ),
            (
                "Coffee and croissant",
                "Breakfast pick-me-up",
                "Latte\nButter croissant",
                "29",
                "45",
                {},
            ),
            (
                "Hand-drip tasting for two",
                "Three single origins",
                "3 hand-drip coffees to share\nCookies",
                "88",
                "138",
                {},
            ),
        ],
    ),
    (
        "coffee",
        "Sugar Cloud Desserts",
        [
            (
                "Afternoon tea for two",
                "Tiered stand and tea",
                "6 pastries\n4 finger sandwiches\nScones\nPot of tea",
                "168",
                "258",
                {"booking_required": True},
            ),
            ("Mango bingsu", "Shaved milk ice with fresh mango", "Mango bingsu", "36", "52", {}),
            (
                "Flash deal: birthday cake 6 inch",
                "Order a day ahead",
                "6-inch cream cake\nCandles",
                "99",
                "188",
                {"stock": 10, "booking_required": True},
            ),
        ],
    ),
    (
        "beauty",
        "Scissors & Co. Salon",
        [
            (
                "Haircut and styling",
                "Senior stylist, wash included",
                "Consultation\nWash\nCut\nBlow-dry",
                "88",
                "168",
                {"booking_required": True},
            ),
            (
                "Colour and care",
                "Full colour and treatment",
                "Full colour\nKeratin treatment\nBlow-dry",
                "399",
                "680",
                {"booking_required": True, "refundable": True},
            ),
            (
                "Men's cut 5 times",
                "Five cuts, any stylist",
                "5 haircuts",
                "199",
                "340",
                {"uses_per_voucher": 5, "validity_days": 120},
            ),
        ],
    ),
    (
        "beauty",
        "Lumi Nail Studio",
        [
            ("Gel manicure", "Colour of your choice", "Cuticle care\nGel colour", "99", "168", {}),
            (
                "Mani-pedi combo",
                "Hands and feet",
                "Gel manicure\nGel pedicure",
                "198",
                "330",
                {"booking_required": True},
            ),
            ("Lash lift", "Natural curl, lasts 6 weeks", "Lash lift\nTint", "158", "258", {}),
        ],
    ),
    (
        "spa",
        "Jade Spring Spa",
        [
            (
                "90-minute massage",
                "Full body, aromatherapy oil",
                "90-min massage\nFoot soak\nTea",
                "238",
                "398",
                {"booking_required": True},
            ),
            (
                "Couples spa afternoon",
                "Two people, private room",
                "2 × 60-min massage\nSauna\nFruit platter",
                "468",
                "760",
                {"booking_required": True, "refund_on_expiry": False},
            ),
            (
                "Foot massage",
                "60 minutes",
                "Herbal foot soak\n60-min foot massage",
                "88",
                "138",
                {},
            ),
        ],
    ),
    (
        "spa",
        "Blue Lotus Wellness",
        [
            ("Thai massage", "Traditional, 60 minutes", "60-min Thai massage", "128", "198", {}),
            (
                "Facial and massage",
                "Hydrating facial + back massage",
                "Facial\n30-min back massage",
                "198",
                "320",
                {"booking_required": True},
            ),
            (
                "Flash deal: hot stone therapy",
                "Limited slots this month",
                "75-min hot stone massage",
                "168",
                "328",
                {"stock": 6, "limit_per_user": 1},
            ),
        ],
    ),
    (
        "fitness",
        "Iron Temple Gym",
        [
            (
                "10-visit gym pass",
                "Gym floor, showers, lockers",
                "10 gym visits",
                "299",
                "500",
                {"uses_per_voucher": 10, "validity_days": 90},
            ),
            (
                "Personal training trial",
                "One session with a coach",
                "60-min PT session\nBody composition scan",
                "99",
                "300",
                {"booking_required": True},
            ),
            ("Day pass", "All facilities for one day", "Gym\nClasses\nSauna", "49", "88", {}),
        ],
    ),
    (
        "fitness",
        "Flow Yoga Loft",
        [
            (
                "5 yoga classes",
                "Any class on the schedule",
                "5 classes\nMat rental",
                "299",
                "450",
                {"uses_per_voucher": 5, "validity_days": 60, "booking_required": True},
            ),
            (
                "First class",
                "For newcomers",
                "1 class\nMat rental",
                "39",
                "120",
                {"limit_per_user": 1},
            ),
            (
                "Aerial yoga workshop",
                "Two hours, all levels",
                "2-hour workshop",
                "168",
                "260",
                {"booking_required": True},
            ),
        ],
    ),
    (
        "cinema",
        "Starlight Cinema",
        [
            ("Two movie tickets", "Any 2D screening", "2 tickets\nLarge popcorn", "79", "140", {}),
            (
                "IMAX ticket and drink",
                "One IMAX screening",
                "IMAX ticket\nSoft drink",
                "69",
                "110",
                {},
            ),
            (
                "Flash deal: midnight premiere",
                "Opening night, one ticket",
                "Premiere ticket\nPoster",
                "59",
                "120",
                {"stock": 15, "limit_per_user": 2},
            ),
        ],
    ),
    (
        "cinema",
        "Echo KTV",
        [
            (
                "3 hours KTV, small room",
                "Up to 6 people",
                "3-hour small room\nFruit platter\n6 soft drinks",
                "168",
                "298",
                {"booking_required": True},
            ),
            (
                "Afternoon KTV",
                "Weekday afternoons, 4 hours",
                "4-hour room\nSnacks",
                "98",
                "168",
                {"usable_days": "Mon–Fri", "usable_hours": "12:00–18:00"},
            ),
            (
                "Party room for 12",
                "5 hours with buffet",
                "5-hour party room\nBuffet\nBeer tower",
                "888",
                "1380",
                {"booking_required": True},
            ),
        ],
    ),
    (
        "carwash",
        "Shine Auto Spa",
        [
            ("Exterior wash", "Hand wash and dry", "Hand wash\nTyre shine", "29", "58", {}),
            (
                "10 car washes",
                "Any time, any car",
                "10 exterior washes",
                "199",
                "580",
                {"uses_per_voucher": 10, "validity_days": 365},
            ),
            (
                "Full detail",
                "Interior and exterior",
                "Exterior wash\nInterior vacuum\nLeather care\nWax",
                "298",
                "520",
                {"booking_required": True},
            ),
        ],
    ),
    (
        "carwash",
        "Quick Clean Car Care",
        [
            ("Express wash", "Ready in 15 minutes", "Express wash", "25", "45", {}),
            ("Wash and wax", "Protective wax", "Wash\nWax", "88", "150", {}),
            (
                "Interior deep clean",
                "Seats, carpets, dashboard",
                "Deep clean",
                "168",
                "280",
                {"booking_required": True},
            ),
        ],
    ),
    (
        "laundry",
        "Fresh Fold Laundry",
        [
            ("Wash and fold 5 kg", "Ready next day", "5 kg wash, dry and fold", "39", "60", {}),
            ("Dry-clean 3 items", "Suits, coats or dresses", "3 dry-clean items", "99", "150", {}),
            ("Duvet cleaning", "Any size", "1 duvet", "69", "110", {}),
        ],
    ),
    (
        "laundry",
        "Crisp Shirt Service",
        [
            (
                "10 shirts pressed",
                "Wash and press",
                "10 shirts",
                "89",
                "150",
                {"uses_per_voucher": 1},
            ),
            ("Sneaker cleaning", "One pair, deep clean", "1 pair of sneakers", "59", "99", {}),
            (
                "Leather bag care",
                "Clean and condition",
                "1 leather bag",
                "158",
                "260",
                {"booking_required": True},
            ),
        ],
    ),
    (
        "kids",
        "Little Explorers Playland",
        [
            (
                "Day pass for one child",
                "Plus one adult",
                "Child day pass\n1 accompanying adult",
                "68",
                "120",
                {},
            ),
            (
                "Family pass",
                "2 children, 2 adults",
                "2 child passes\n2 adults\nSnacks",
                "168",
                "280",
                {},
            ),
            (
                "Birthday party package",
                "10 children, 3 hours",
                "Private area\nHost\nCake\nDrinks",
                "1288",
                "1980",
                {"booking_required": True, "refund_on_expiry": False},
            ),
        ],
    ),
    (
        "kids",
        "Tiny Chefs Cooking School",
        [
            (
                "Kids baking class",
                "Ages 5–12, 90 minutes",
                "Class\nApron\nTake-home cookies",
                "128",
                "198",
                {"booking_required": True},
            ),
            (
                "Parent and child pizza class",
                "Make your own pizza together",
                "Class for 2\nPizza",
                "168",
                "260",
                {"booking_required": True},
            ),
            (
                "4-class course",
                "Four weekends",
                "4 classes",
                "428",
                "720",
                {"uses_per_voucher": 4, "booking_required": True},
            ),
        ],
    ),
    (
        "western",
        "Harbour Brunch Club",
        [
            (
                "Weekend brunch for two",
                "Eggs, pancakes and coffee",
                "2 brunch plates\n2 coffees\nFresh juice",
                "168",
                "248",
                {"usable_days": "Sat–Sun"},
            ),
            (
                "Bottomless brunch",
                "Two hours of mimosas",
                "Brunch plate\nBottomless mimosas (2 h)",
                "228",
                "358",
                {"usable_days": "Sat–Sun", "booking_required": True},
            ),
            (
                "Avocado toast and flat white",
                "All-day breakfast",
                "Avocado toast\nFlat white",
                "58",
                "86",
                {},
            ),
        ],
    ),
]
PENDING_OFFERS = [
    ("Golden Pot Hotpot", "Late-night hotpot for two", "After 22:00, 6 dishes", "138", "198"),
    ("Starlight Cinema", "Four movie tickets", "Any 2D screening", "139", "280"),
]
REVIEW_TEXTS = [
    (5, "Excellent value, staff were friendly and it was exactly as described."),
    (5, "Loved it! Will definitely buy this deal again."),
    (4, "Very good. A short wait at peak time, but worth it."),
    (4, "Nice place and generous portions. Booking ahead helped."),
    (3, "Decent, though the store was busy and a bit noisy."),
    (5, "The code scanned in seconds at the counter. Great experience."),
    (4, "Good quality for the price; I'd recommend it to friends."),
]


class Command(BaseCommand):
    help = "Load demo data for one city (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-images", action="store_true", help="skip generated images")

    def handle(self, *args: Any, no_images: bool = False, **options: Any) -> None:
        if City.objects.filter(slug=CITY[1]).exists() and Merchant.objects.exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
            return
        self.rng = random.Random(2026)
        self.images = not no_images
        # Notifications are created inline (there is no worker yet) and not e-mailed.
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        logging.getLogger("celery").setLevel(logging.WARNING)
        try:
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
                transaction.atomic(),  # all or nothing: a failed run leaves no half city
            ):
                self._load()
        finally:
            celery_app.conf.task_always_eager = eager

    def _user(self, email: str, **extra: Any) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, **extra)
        return user

    def _load(self) -> None:
        city = City.objects.create(name=CITY[0], slug=CITY[1], latitude=CITY[2], longitude=CITY[3])
        districts = [
            District.objects.create(city=city, name=name, slug=slug)
            for name, slug, _lat, _lng in DISTRICTS
        ]
        centres = {slug: (lat, lng) for _name, slug, lat, lng in DISTRICTS}
        categories = {
            slug: Category.objects.create(name=name, slug=slug, icon=icon, color=colour, position=i)
            for i, (name, slug, icon, colour) in enumerate(CATEGORIES)
        }
        admin = self._user(
            "admin@example.com", is_staff=True, is_superuser=True, display_name="Admin"
        )
        consumer = self._user("consumer@example.com", display_name="Lin")
        owners: dict[str, User] = {}
        merchants: list[Merchant] = []
        for index, (cat_slug, name, offers) in enumerate(MERCHANTS):
            email = "owner@example.com" if index == 0 else f"owner{index}@example.com"
            owner = self._user(email, display_name=name.split()[0])
            district = districts[index % len(districts)]
            lat, lng = centres[district.slug]
            merchant = merchant_services.merchant_apply(
                user=owner,
                name=name,
                category=categories[cat_slug],
                city=city,
                description=f"{name} — loved by locals in {district.name}.",
                phone=f"021-6{index:03d}-{1000 + index * 37:04d}",
                store_name=f"{district.name} store",
                district=district,
                address=f"{100 + index * 7} {self.rng.choice(['Nanjing Road', 'Huaihai Road', 'Yan’an Road', 'Century Avenue', 'Sichuan North Road'])}",
                latitude=lat + Decimal(self.rng.randint(-90, 90)) / 10000,
                longitude=lng + Decimal(self.rng.randint(-90, 90)) / 10000,
                hours="10:00–22:00",
            )
            merchant_services.merchant_approve(merchant=merchant, by=admin)
            merchant.refresh_from_db()
            if index % 3 == 0:
                second = districts[(index + 3) % len(districts)]
                slat, slng = centres[second.slug]
                merchant_services.store_create(
                    merchant=merchant,
                    name=f"{second.name} store",
                    district=second,
                    address=f"{20 + index} {self.rng.choice(['Hengshan Road', 'Wukang Road', 'Julu Road'])}",
                    latitude=slat,
                    longitude=slng,
                    phone=f"021-5{index:03d}-{2000 + index:04d}",
                    hours="11:00–23:00",
                )
            owners[name] = owner
            merchants.append(merchant)
            stores = list(merchant.stores.all())
            for n, (title, summary, includes, price, list_price, extra) in enumerate(offers):
                offer = self._offer(
                    merchant,
                    owner,
                    stores,
                    title,
                    summary,
                    includes,
                    price,
                    list_price,
                    extra,
                    seed=index * 10 + n,
                )
                offer_services.offer_submit(offer=offer, by=owner)
                offer_services.offer_approve(offer=offer, by=admin)

        golden = merchants[0]
        cashier = self._user("cashier@example.com", display_name="Chen")
        Membership.objects.get_or_create(
            user=cashier, merchant=golden, defaults={"role": Membership.Role.CASHIER}
        )

        for merchant_name, title, summary, price, list_price in PENDING_OFFERS:
            merchant = next(m for m in merchants if m.name == merchant_name)
            owner = owners[merchant_name]
            offer = self._offer(
                merchant,
                owner,
                list(merchant.stores.all()),
                title,
                summary,
                "",
                price,
                list_price,
                {},
                seed=900 + len(title),
            )
            offer_services.offer_submit(offer=offer, by=owner)

        applicant = self._user("applicant@example.com", display_name="Wang")
        merchant_services.merchant_apply(
            user=applicant,
            name="Noodle Bar Zhang",
            category=categories["hotpot"],
            city=city,
            description="Hand-pulled noodles since 1998.",
            store_name="Hongkou store",
            district=districts[5],
            address="66 Sichuan North Road",
            latitude=Decimal("31.2650"),
            longitude=Decimal("121.4900"),
            hours="07:00–20:00",
        )
        self._history(consumer, merchants, owners)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(merchants)} merchants, {Offer.objects.filter(status='live').count()} live deals, "
                f"{User.objects.count()} users."
            )
        )

    def _offer(
        self,
        merchant: Merchant,
        owner: User,
        stores: list[Store],
        title: str,
        summary: str,
        includes: str,
        price: str,
        list_price: str,
        extra: dict[str, Any],
        *,
        seed: int,
    ) -> Offer:
        fields: dict[str, Any] = {
            "category": merchant.category,
            "title": title,
            "summary": summary,
            "description": f"{summary}. Show your voucher code or QR code at the counter.",
            "includes": includes,
            "fine_print": "One voucher per table or visit unless stated. Not combinable with other offers.",
            "price": Decimal(price),
            "list_price": Decimal(list_price),
            "validity_days": 90,
            "uses_per_voucher": 1,
            "refundable": True,
            "refund_on_expiry": True,
            **extra,
        }
        offer = offer_services.offer_create(merchant=merchant, by=owner, stores=stores, **fields)
        if self.images:
            data = deal_image(title=title, colour=merchant.category.color, seed=seed)
            offer_services.offer_set_image(
                offer=offer, by=owner, image=ContentFile(data, name=f"deal-{offer.pk}.jpg")
            )
        return offer

    def _history(self, consumer: User, merchants: list[Merchant], owners: dict[str, User]) -> None:
        """Past orders, redemptions and reviews, made through the services."""
        live = list(
            Offer.objects.filter(status="live", stock__isnull=True)
            .select_related("merchant")
            .order_by("pk")
        )
        golden_offers = [o for o in live if o.merchant_id == merchants[0].pk]
        # The demo consumer: something used and reviewed, something used, something to use.
        self._buy(consumer, golden_offers[0], owners, redeem=True, review=5)
        self._buy(consumer, live[10], owners, redeem=True, review=None)
        self._buy(consumer, golden_offers[1], owners, redeem=False, review=None)
        card = next(o for o in live if o.uses_per_voucher > 1)
        order = self._buy(consumer, card, owners, redeem=False, review=None)
        store = card.stores.first()
        first = order.vouchers.order_by("number").first()
        if first is None or store is None:
            raise CommandError("The 10-visit card was not issued.")
        order_services.voucher_redeem(
            code=first.code, store_id=store.pk, by=owners[card.merchant.name]
        )
        for i in range(30):
            user = self._user(
                f"diner{i}@example.com",
                display_name=self.rng.choice(
                    ["Mei", "Jun", "Hao", "Xin", "Ying", "Tao", "Lei", "Fang"]
                ),
            )
            for offer in self.rng.sample(live, 3):
                used = self.rng.random() < 0.75
                rating = (
                    self.rng.choice(REVIEW_TEXTS)[0] if used and self.rng.random() < 0.7 else None
                )
                self._buy(user, offer, owners, redeem=used, review=rating)
        # Browsing comes first in the funnel: past views of every live deal,
        # as the counters would have flushed them (o2o.counters).
        for offer in Offer.objects.filter(status="live").order_by("pk"):
            seen = offer.sold_count * self.rng.randint(6, 18) + self.rng.randint(40, 400)
            Offer.objects.filter(pk=offer.pk).update(view_count=F("view_count") + seen)

    def _buy(
        self, user: User, offer: Offer, owners: dict[str, User], *, redeem: bool, review: int | None
    ):  # type: ignore[no-untyped-def]
        quantity = 1 if offer.limit_per_user == 1 else self.rng.choice([1, 1, 2])
        order = order_services.order_create(user=user, offer_id=offer.pk, quantity=quantity)
        payment, _ = payment_services.payment_start(order_id=order.pk, user=user)
        payment_services.payment_succeeded(payment_id=payment.pk)
        if redeem:
            voucher = order.vouchers.order_by("number").first()
            store = offer.stores.first()
            if voucher is None or store is None:
                raise CommandError(f"Order {order.pk} has no voucher or store.")
            order_services.voucher_redeem(
                code=voucher.code, store_id=store.pk, by=owners[offer.merchant.name]
            )
            if review:
                text = next(t for r, t in REVIEW_TEXTS if r == review)
                review_services.review_create(
                    user=user, voucher_id=voucher.pk, rating=review, text=text
                )
        return order
