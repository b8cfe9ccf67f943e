"""What real visitors ask of the catalogue, for wrk to pick from at random
(issue #15): every category × district × sort × page of the default city's
list, varied Chinese and English searches, and nearby at random points of
the city. Also a signed-in visitor's session cookie.

Writes PREFIX-browse.txt, PREFIX-search.txt and PREFIX-nearby.txt (one path
per line, shuffled) and prints the cookie ("sessionid=...").

Run by benchmarks/run.sh: python benchmarks/catalogue_urls.py PREFIX
"""

import os
import random
import sys
from importlib import import_module
from urllib.parse import urlencode

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402

from accounts.models import User  # noqa: E402
from merchants.models import BusinessArea, Category, District  # noqa: E402
from merchants.selectors import default_city  # noqa: E402
from offers.models import SearchTerm  # noqa: E402
from offers.selectors import visible_offers  # noqa: E402

SORTS = ["", "best_selling", "rating", "price", "price_desc", "newest"]
PAGES = [1, 2, 3, 4]
rng = random.Random(2026)


def browse(city) -> list[str]:
    categories = ["", *Category.objects.values_list("slug", flat=True)]
    districts = ["", *District.objects.filter(city=city).values_list("slug", flat=True)]
    paths = []
    for category in categories:
        for district in districts:
            for sort in SORTS:
                for page in PAGES:
                    query = {"category": category, "district": district, "sort": sort}
                    query = {k: v for k, v in query.items() if v}
                    if page > 1:
                        query["page"] = page
                    paths.append("/deals/" + ("?" + urlencode(query) if query else ""))
    return paths


def searches(city) -> list[str]:
    """Words people type: place and category names in both languages and
    run together (静安火锅), words of deal titles, pinyin, a typo."""
    words = list(
        SearchTerm.objects.filter(documents__gt=1)
        .order_by("-documents")
        .values_list("word", flat=True)[:300]
    )
    places = [
        (name_en, name_zh)
        for name_en, name_zh in BusinessArea.objects.filter(city=city).values_list(
            "name_en", "name_zh_hans"
        )
    ] + list(District.objects.filter(city=city).values_list("name_en", "name_zh_hans"))
    kinds = list(Category.objects.values_list("name_en", "name_zh_hans"))
    titles = list(visible_offers().values_list("title", flat=True)[:2000])
    queries = set()
    for _ in range(3000):
        choice = rng.random()
        place_en, place_zh = rng.choice(places)
        kind_en, kind_zh = rng.choice(kinds)
        if choice < 0.25:
            queries.add(f"{(place_zh or place_en).rstrip('区')}{kind_zh or kind_en}")
        elif choice < 0.45:
            queries.add(f"{kind_en.split()[0].lower()} {place_en.split()[0].lower()}")
        elif choice < 0.65 and words:
            queries.add(" ".join(rng.sample(words, k=min(2, len(words)))))
        elif choice < 0.85:
            title = rng.choice(titles)
            queries.add(title[: rng.randint(2, max(2, min(8, len(title))))])
        elif words:
            word = rng.choice([w for w in words if w.isascii() and len(w) > 4] or words)
            queries.add(word[:-2] + word[-1] + word[-2])  # a typo: two letters swapped
    return ["/deals/?" + urlencode({"q": q}) for q in sorted(queries)]


def nearby(city) -> list[str]:
    paths = []
    for _ in range(2000):
        lat = float(city.latitude) + rng.uniform(-0.08, 0.08)
        lng = float(city.longitude) + rng.uniform(-0.08, 0.08)
        query = {"lat": f"{lat:.5f}", "lng": f"{lng:.5f}", "radius_km": rng.choice([1, 3, 5])}
        paths.append("/nearby/?" + urlencode(query))
    return paths


def cookie() -> str:
    user = User.objects.get(email="consumer@example.com")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The backend that loads users (django-axes' comes first and only guards logins).
    store[BACKEND_SESSION_KEY] = next(
        backend for backend in settings.AUTHENTICATION_BACKENDS if "axes" not in backend
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def main() -> None:
    prefix = sys.argv[1]
    city = default_city()
    for name, paths in (
        ("browse", browse(city)),
        ("search", searches(city)),
        ("nearby", nearby(city)),
    ):
        rng.shuffle(paths)
        with open(f"{prefix}-{name}.txt", "w") as out:
            out.write("\n".join(paths) + "\n")
    print(cookie())


if __name__ == "__main__":
    main()
