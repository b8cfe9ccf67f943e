"""Search that understands Chinese and English: the index of deals, the
search itself, suggestions as you type, help for an empty search and the
count of searches behind "popular searches".

One Python API for both databases; the SQL that differs is offers.fulltext
and the words are offers.words.

- `index_offers(ids)` writes the documents of deals (SearchDocument): the
  words of the title and merchant, of the summary, category, districts and
  business areas of the deal's open stores (the places' names in both
  languages), and the pinyin of every Chinese word. Only a live deal of an
  approved merchant has one. offers.search_upkeep calls it, in the same
  transaction, whenever any of those change; `rebuild_index()` (the command
  rebuild_search_index) writes them all.
- `search(offers, q)`: the offers matching every word of `q`, each word by
  any of its forms (the word, a longer word it begins, its pinyin, its
  characters, the nearest spelling of a misspelt Latin word), best first:
  relevance blended with rating and sales.
- `suggest(q, offers=...)`, `empty_search_help(q)`, `record_search(...)`.
"""

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import ExpressionWrapper, F, FloatField, QuerySet, Value
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from merchants.models import BusinessArea, Category, District, Store
from o2o import ratelimit
from o2o.cache import softly
from o2o.errors import DomainError

from . import words
from .fulltext import backend
from .models import Offer, SearchDocument, SearchQuery, SearchTerm

# -- the index -----------------------------------------------------------------

CHUNK = 200  # deals indexed per round of queries


def _names(place: Any) -> list[str]:
    """A place's or category's name in both languages (modeltranslation's columns)."""
    return [name for name in (place.name_en, place.name_zh_hans) if name]


def _document(offer: Offer, places: Sequence[str]) -> SearchDocument:
    """The words of one deal; `places`: the names of its open stores' places."""
    title = words.document_words(offer.title, offer.merchant.name)
    body = words.document_words(offer.summary, *_names(offer.category), *places)
    return SearchDocument(
        offer=offer,
        title_words=" ".join(words.with_pinyin(title)),
        body_words=" ".join(words.with_pinyin(body)),
        extra_words=" ".join(words.extra_words([*title, *body])),
    )


def _places_of(offer_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names (both languages) of the districts and business areas of
    each deal's open stores, in two queries: the links, then each store once."""
    links = list(
        Offer.stores.through.objects.filter(
            offer_id__in=offer_ids, store__is_active=True
        ).values_list("offer_id", "store_id")
    )
    stores = Store.objects.filter(pk__in={store_id for _o, store_id in links}).select_related(
        "district", "business_area"
    )
    names: dict[int, list[str]] = {}
    for store in stores:
        names[store.pk] = _names(store.district)
        if store.business_area is not None:
            names[store.pk] += _names(store.business_area)
    places: dict[int, list[str]] = defaultdict(list)
    for offer_id, store_id in links:
        places[offer_id] += names[store_id]
    return places


def _same(a: SearchDocument, b: SearchDocument) -> bool:
    return (a.title_words, a.body_words, a.extra_words) == (
        b.title_words,
        b.body_words,
        b.extra_words,
    )


def _vocabulary_of(document: SearchDocument) -> dict[str, str]:
    return words.vocabulary([*document.title_words.split(), *document.body_words.split()])


def _count_words(before: Iterable[SearchDocument], after: Iterable[SearchDocument]) -> None:
    """Keep the vocabulary's count of deals per word as documents are
    replaced: `before` are the documents going away, `after` the new ones."""
    delta: Counter[str] = Counter()
    displays: dict[str, str] = {}
    for document in before:
        delta.subtract(_vocabulary_of(document).keys())
    for document in after:
        found = _vocabulary_of(document)
        delta.update(found.keys())
        displays.update(found)
    changes: dict[int, list[str]] = defaultdict(list)
    for word, n in delta.items():
        if n:
            changes[n].append(word)
    if not changes:
        return
    new = [SearchTerm(word=w, display=displays[w]) for w, n in delta.items() if n > 0]
    SearchTerm.objects.bulk_create(new, ignore_conflicts=True)
    for n, changed in sorted(changes.items()):
        SearchTerm.objects.filter(word__in=changed).update(documents=F("documents") + n)


def _index_chunk(ids: Sequence[int], *, count_words: bool = True) -> list[SearchDocument]:
    teach_dictionary()
    offers = list(
        Offer.objects.filter(pk__in=ids)
        .select_related("merchant", "category")
        .only(
            "id",
            "title",
            "summary",
            "status",
            "merchant__name",
            "merchant__status",
            "category__name_en",
            "category__name_zh_hans",
        )
    )
    # Who may be found: a deal a shopper could see, but for its sale window,
    # which visible_offers() applies at search time (it moves with the clock).
    searchable = [offer for offer in offers if offer.is_live and offer.merchant.is_approved]
    places = _places_of([offer.pk for offer in searchable]) if searchable else {}
    old = {
        document.pk: document
        for document in SearchDocument.objects.filter(offer_id__in=ids).only(
            "offer_id", "title_words", "body_words", "extra_words"
        )
    }
    new = {offer.pk: _document(offer, places.get(offer.pk, ())) for offer in searchable}
    changed = [doc for pk, doc in new.items() if pk not in old or not _same(old[pk], doc)]
    gone = [pk for pk in old if pk not in new]
    if gone:
        SearchDocument.objects.filter(offer_id__in=gone).delete()
    if changed:
        SearchDocument.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["offer"],
            update_fields=["title_words", "body_words", "extra_words", "updated_at"],
        )
    if count_words:
        replaced = [old[pk] for pk in gone] + [old[d.pk] for d in changed if d.pk in old]
        _count_words(replaced, changed)
    return changed


def index_offers(offer_ids: Iterable[int]) -> None:
    """Write (or drop) the documents of these deals from what they say now.
    A document that would not change is not written."""
    ids = sorted(set(offer_ids))
    for start in range(0, len(ids), CHUNK):
        _index_chunk(ids[start : start + CHUNK])


def index_offer(offer: Offer) -> None:
    index_offers([offer.pk])


def unindex_offers(offer_ids: Iterable[int]) -> None:
    """Drop the documents of deals about to be deleted (and their words' counts)."""
    ids = list(offer_ids)
    old = list(SearchDocument.objects.filter(offer_id__in=ids))
    if old:
        SearchDocument.objects.filter(offer_id__in=ids).delete()
        _count_words(old, [])


def rebuild_index() -> int:
    """Every document written again from scratch; the number of deals indexed.
    For after a bulk load that sent no signals, or a change of how words are cut."""
    SearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()
    ids = list(Offer.objects.order_by("pk").values_list("pk", flat=True))
    counts: Counter[str] = Counter()
    displays: dict[str, str] = {}
    indexed = 0
    for start in range(0, len(ids), CHUNK):
        written = _index_chunk(ids[start : start + CHUNK], count_words=False)
        indexed += len(written)
        for document in written:
            found = _vocabulary_of(document)
            counts.update(found.keys())
            for word, display in found.items():
                displays.setdefault(word, display)
    SearchTerm.objects.bulk_create(
        [SearchTerm(word=w, display=displays[w], documents=n) for w, n in counts.items()],
        batch_size=1000,
    )
    backend().rebuilt()
    return indexed


# -- places and categories: the dictionary's words and suggestions -------------

PLACES_VERSION = "search:places:version"
# Read again after this long whatever the version says: a process whose
# cache is its own (the embedded default's local memory) hears of changes
# made by another process only so.
PLACES_SECONDS = 300


@dataclass(frozen=True)
class Place:
    """A category, district or business area as suggestions know it."""

    kind: str  # "category" or "area"
    en: str
    zh: str
    keys_en: tuple[str, ...]
    keys_zh: tuple[str, ...]  # the Chinese name, its pinyin and initials
    city_id: int | None = None  # a district's or business area's city; None: every city


_places: tuple[Any, float, tuple[Place, ...]] | None = None


def _compact(text: str) -> str:
    return "".join(words.tokens(text))


def _keys(text: str) -> tuple[str, ...]:
    """What a prefix of a name can be typed as: the whole name without
    spaces or marks, each of its words, and for Chinese its pinyin and initials."""
    compact = _compact(text)
    if not compact:
        return ()
    keys = {compact, *words.tokens(text)}
    if words.is_han(compact):
        full, initials = words.pinyin(compact)
        keys.update(k for k in (full, initials) if k)
    return tuple(sorted(keys))


def _load_places() -> tuple[Place, ...]:
    found = []
    rows: list[tuple[str, Any]] = [("category", c) for c in Category.objects.all()]
    rows += [("area", d) for d in District.objects.all()]
    rows += [("area", a) for a in BusinessArea.objects.all()]
    for kind, row in rows:
        en, zh = row.name_en or "", row.name_zh_hans or ""
        city_id = getattr(row, "city_id", None)
        found.append(Place(kind, en, zh or en, _keys(en), _keys(zh) if zh else (), city_id))
    return tuple(found)


def places() -> tuple[Place, ...]:
    """Every category, district and business area, kept in this process
    while the version in the cache stays the same (places_changed)."""
    global _places
    version = softly(cache.get, PLACES_VERSION)
    now = time.monotonic()
    if (
        _places is not None
        and version is not None
        and _places[0] == version
        and now - _places[1] < PLACES_SECONDS
    ):
        return _places[2]
    loaded = _load_places()
    if version is None:
        softly(cache.add, PLACES_VERSION, time.time_ns(), None)
        version = softly(cache.get, PLACES_VERSION)
    _places = (version, now, loaded)
    return loaded


def places_changed() -> None:
    """A category, district or business area was saved or deleted: every
    process reads them again on its next search."""
    global _places
    _places = None
    softly(cache.delete, PLACES_VERSION)


_taught: tuple[Place, ...] | None = None


def teach_dictionary() -> None:
    """The Chinese names of places and categories, in the segmenter's
    dictionary (静安寺 is one word): read once per process and change."""
    global _taught
    known = places()
    if known is not _taught:
        words.add_words(place.zh for place in known)
        _taught = known


# -- the search ----------------------------------------------------------------

# A longer `q` is refused (400) by the pages' and the API's filter.
QUERY_MAX_LENGTH = 200

# The rating is Bayesian: PRIOR_REVIEWS reviews of PRIOR_RATING are assumed
# besides the real ones, so 2 reviews at 5.0 do not beat 200 at 4.8.
PRIOR_REVIEWS = 10
PRIOR_RATING = 4.0
# Sales count with diminishing returns: SALES_HALF sold is half the bonus.
SALES_HALF = 100


def _quality() -> ExpressionWrapper:
    """How good a deal is, from 0 to 1: half its Bayesian rating (1 to 5
    stars), half its sales."""
    reviews = Cast("rating_count", FloatField()) + Value(float(PRIOR_REVIEWS))
    stars = Cast("rating_sum", FloatField()) + Value(PRIOR_REVIEWS * PRIOR_RATING)
    sold = Cast("sold_count", FloatField())
    return ExpressionWrapper(
        (stars / reviews - Value(1.0)) / Value(8.0)
        + sold / (sold + Value(float(SALES_HALF))) / Value(2.0),
        output_field=FloatField(),
    )


def _vocabulary() -> QuerySet[SearchTerm]:
    return SearchTerm.objects.filter(documents__gt=0)


def _corrected(terms: list[words.Term]) -> list[words.Term]:
    """Misspelt Latin words also match their nearest indexed word (hotpto →
    hotpot), and known ones themselves exactly: one query for all of them."""
    typed = [term.text for term in terms if term.checkable]
    if not typed:
        return terms
    nearest = backend().nearest(typed, _vocabulary())
    corrected = []
    for term in terms:
        near = nearest.get(term.text)
        if near is not None and (near == term.text or term.correctable):
            term = term.corrected(near)
        corrected.append(term)
    return corrected


def search(offers: QuerySet[Offer], q: str) -> QuerySet[Offer]:
    """The offers of `offers` that match every word of `q`, ordered best
    first: relevance times (1 + quality), so a deal that matches better wins
    unless the other is much better rated and sold; among equal matches the
    better deal comes first. A later order_by (an explicit sort) replaces
    the order; the score is an alias, computed only when ordered by."""
    teach_dictionary()
    terms = words.parse_query(q)
    if not terms:
        return offers.none()
    return _best_first(backend().match(offers, _corrected(terms)))


def _best_first(matched: QuerySet[Offer]) -> QuerySet[Offer]:
    score = F("search_relevance") * (Value(1.0) + _quality())
    return matched.alias(search_score=score).order_by("-search_score", "-sold_count", "-pk")


# -- suggestions as you type ---------------------------------------------------

SUGGEST_MAX_LENGTH = 64
SUGGESTIONS = 10


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # offer, merchant, category, area, query


def _suggest_terms(text: str) -> list[words.Term]:
    """A query being typed: every Latin word may be the start of a longer one."""
    return [words.Term(t.text, prefix=(t.text,)) if t.latin else t for t in words.parse_query(text)]


def _place_suggestions(key: str, city_id: int | None = None) -> list[Suggestion]:
    chinese_first = words.is_han(key) or (get_language() or "").startswith("zh")
    found = []
    for place in places():
        if city_id is not None and place.city_id not in (None, city_id):
            continue  # a place of another city
        in_zh = any(k.startswith(key) for k in place.keys_zh)
        in_en = any(k.startswith(key) for k in place.keys_en)
        if in_zh or in_en:
            shown = place.zh if (in_zh and (chinese_first or not in_en)) else place.en
            found.append(Suggestion(shown, place.kind))
    return found


def _name_matches(name: str, key: str) -> bool:
    return any(k.startswith(key) for k in _keys(name))


def suggest(
    q: str | None, *, offers: QuerySet[Offer], city_id: int | None = None
) -> list[Suggestion]:
    """At most SUGGESTIONS things to search for that begin like `q`, in
    English, Chinese or pinyin: popular searches, categories, places (of
    the city `city_id`, when given), merchants and deals (of `offers`: the
    visible ones, of that city)."""
    text = (q or "").strip()
    if not text:
        raise DomainError("q_required", _("Type a few letters to get suggestions."))
    if len(text) > SUGGEST_MAX_LENGTH:
        raise DomainError(
            "q_too_long",
            _("Suggestions are for at most %(n)s characters.") % {"n": SUGGEST_MAX_LENGTH},
        )
    teach_dictionary()
    key = _compact(text)
    if not key:
        return []
    normal = words.normal_query(text)
    found = [
        Suggestion(query, "query")
        for query in SearchQuery.objects.filter(text__startswith=normal, count__gte=POPULAR_FROM)
        .order_by("-count", "text")
        .values_list("text", flat=True)[:3]
    ]
    by_kind: dict[str, list[Suggestion]] = defaultdict(list)
    for suggestion in _place_suggestions(key, city_id):
        by_kind[suggestion.kind].append(suggestion)
    found += by_kind["category"][:2] + by_kind["area"][:2]
    terms = _suggest_terms(text)
    if terms:
        matched = _best_first(backend().match(offers, terms))
        hits = matched.values_list("title", "merchant__name")[:20]
        merchants = [Suggestion(name, "merchant") for _t, name in hits if _name_matches(name, key)]
        found += merchants[:3] + [Suggestion(title, "offer") for title, _m in hits]
    unique: dict[str, Suggestion] = {}
    for suggestion in found:
        unique.setdefault(suggestion.text.casefold(), suggestion)
    return list(unique.values())[:SUGGESTIONS]


# -- an empty search -------------------------------------------------------------

# A search must have found deals this many times to be shown as popular.
POPULAR_FROM = 3


def popular_searches(limit: int = 8) -> list[str]:
    return list(
        SearchQuery.objects.filter(count__gte=POPULAR_FROM)
        .order_by("-count", "text")
        .values_list("text", flat=True)[:limit]
    )


def _alternatives(word: str, limit: int) -> list[str]:
    """Indexed words spelt (or, for Chinese, pronounced) like `word`."""
    if words.is_han(word):
        if len(word) < 2:
            return []
        sound, _initials = words.pinyin(word)
        same = list(
            _vocabulary().filter(word=sound).exclude(display=word).values_list("display", flat=True)
        )
        return (same + [d for _w, d in backend().similar(sound, limit, _vocabulary())])[:limit]
    if len(word) < words.TYPO_FROM or word.isdigit():
        return []
    return [display for _w, display in backend().similar(word, limit, _vocabulary())]


def did_you_mean(q: str, *, offers: QuerySet[Offer], limit: int = 3) -> list[str]:
    """Searches like `q` that find deals among `offers`: its words spelt as
    indexed words are (the best of each, then other spellings of a one-word
    search), or, when every word is known but no deal has them all, each
    word alone. Each is checked (one EXISTS each), so none leads to another
    empty list."""
    typed = words.query_words(q)
    if not typed:
        return []
    options = {word: _alternatives(word, limit) for word in typed}
    candidates = []
    if any(options.values()):
        candidates.append(" ".join(options[w][0] if options[w] else w for w in typed))
        if len(typed) == 1:
            candidates += options[typed[0]][1:]
    if len(typed) > 1:
        candidates += typed
    current = words.normal_query(q)
    found: list[str] = []
    for candidate in dict.fromkeys(words.normal_query(c) for c in candidates):
        if candidate and candidate != current and search(offers, candidate).exists():
            found.append(candidate)
            if len(found) == limit:
                break
    return found


def empty_search_help(q: str, *, offers: QuerySet[Offer]) -> dict[str, list[str]]:
    """What the list shows when a search of `offers` found nothing: other
    searches that find deals, and the popular ones."""
    return {"did_you_mean": did_you_mean(q, offers=offers), "popular": popular_searches()}


# -- counting searches -----------------------------------------------------------

# One client address counts a search at most this many times a day: people
# behind one address (an office, a mobile carrier's NAT) still count, a
# script repeating a search from one address does not.
PER_ADDRESS_A_DAY = 20
SESSION_KEY = "searches_counted"


def _count_search(text: str) -> None:
    """One more for `text`: one statement, an upsert (the same SQL on
    PostgreSQL and SQLite), so no count is lost between two first searches."""
    table = SearchQuery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (text, count, last_searched_at) VALUES (%s, 1, %s)"  # noqa: S608
            f" ON CONFLICT (text) DO UPDATE SET count = {table}.count + 1,"
            " last_searched_at = excluded.last_searched_at",
            [text, connection.ops.adapt_datetimefield_value(timezone.now())],
        )


def record_search(request: HttpRequest, q: str, *, found: bool) -> bool:
    """Count a search that found deals, for "popular searches"; whether it counted.

    Hard to inflate cheaply: only a search that found deals counts, so it
    is made of words live deals say (at most 64 characters); it counts once
    per session (a session is never started for this) and at most
    PER_ADDRESS_A_DAY times a day per client address (o2o.http.client_ip,
    which a client cannot choose), so a script needs many addresses; and a
    search is shown only from POPULAR_FROM counts. The list page counts when
    it builds its fragment, so a cached page (o2o.pagecache) counts once.
    """
    if not found:
        return False
    text = words.normal_query(q)
    if not text or len(text) > 64:
        return False
    digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    session = getattr(request, "session", None)
    if session is not None and not (request.user.is_authenticated or session.session_key):
        session = None
    seen = list(session.get(SESSION_KEY, [])) if session is not None else []
    if digest in seen:
        return False
    if not ratelimit.within(
        request, name=f"search-counted:{digest}", limit=PER_ADDRESS_A_DAY, period=24 * 60 * 60
    ):
        return False
    _count_search(text)
    if session is not None:
        session[SESSION_KEY] = [*seen, digest][-50:]
    return True
