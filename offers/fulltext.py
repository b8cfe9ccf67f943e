"""The vendor-specific SQL of search, and only that: PostgreSQL's full text
(a `tsvector` generated from the pre-segmented words with the `simple`
configuration, weighted by column; a GIN index; `to_tsquery`, with weight
labels to tell where a word was found) and pg_trgm for the nearest
spelling; SQLite's FTS5 (an external-content table over the same words,
MATCH, column filters) and difflib. offers.search speaks to `backend()`;
nothing else here knows a vendor, and both answer the same.

The tables behind it are made by migration 0004 (the GIN index of the
vector and the trigram index of the vocabulary on PostgreSQL; the FTS5
table offers_searchfts and the triggers that keep it on SQLite).
"""

import difflib
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import SearchQuery as PgSearchQuery
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import Case, FloatField, Func, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from .words import Term

# The FTS5 table's name is also its hidden column that MATCH is asked of.
FTS_TABLE = "offers_searchfts"
# Relevance, the same on both databases: each word of the query counts by
# where the deal says it: in its title or merchant's name, in the summary,
# category or places, or only elsewhere (the initials and single characters
# of Chinese words, there to be found by). Deals are short: how often or how
# close together the words are says little, and PostgreSQL's ts_rank (which
# ranks by closeness) and FTS5's bm25 (which saturates a column's weight and
# needs many rows for its IDF) would each order the same deals their own way.
TITLE = 1.0
BODY = 0.3
ELSEWHERE = 0.05
# At most this many words are compared with difflib on SQLite.
CANDIDATES = 50_000
# "Did you mean": how alike two spellings must be (pg_trgm similarity; the
# ratio of difflib on SQLite). Search itself corrects words at pg_trgm's
# threshold (0.3) and difflib's 0.75.
LOOSE_SIMILARITY = 0.2
LOOSE_RATIO = 0.6
NEAR_RATIO = 0.75


class DocumentVector(Func):
    """The document's tsvector on PostgreSQL: each column's words with its
    weight (title A, body B, initials and characters C), which queries read
    back to tell where a word was found. The words are already cut and
    normalised (offers.words), so `simple` only lower-cases them. NULL
    elsewhere: SQLite's index is its FTS5 table."""

    output_field = SearchVectorField()
    arity = 3
    template = "NULL"  # SQLite: its index is the FTS5 table

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        parts, params = [], []
        for expression, weight in zip(self.get_source_expressions(), "ABC", strict=True):
            sql, more = compiler.compile(expression)
            parts.append(f"setweight(to_tsvector('simple'::regconfig, {sql}), '{weight}')")
            params.extend(more)
        return " || ".join(parts), tuple(params)


class FtsMatch(models.Lookup):
    """`fts_column__matches=expression`: FTS5's MATCH."""

    lookup_name = "matches"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", (*lhs_params, *rhs_params)


class FtsField(models.TextField):
    """The FTS5 table's hidden column named after the table."""


FtsField.register_lookup(FtsMatch)


def _quoted(token: str) -> str:
    # Tokens are letters, digits or Chinese characters (offers.words): the
    # quotes are for safety, never needed to escape anything.
    return '"' + token.replace('"', '""') + '"'


def _ts_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "").replace("'", "") + "'"


def _forms(term: Term, lexeme: Any, prefix: Any, all_of: Any, any_of: Any) -> str:
    forms = [lexeme(t) for t in term.exact] + [prefix(t) for t in term.prefix]
    if term.all_of:
        forms.append(all_of([lexeme(c) for c in term.all_of]))
    return any_of(forms)


def tsquery(terms: Sequence[Term], weight: str = "") -> str:
    """`to_tsquery` text: every term (AND), each by any of its forms (OR);
    with `weight` (A, B), a term's words counted only in that column."""
    return " & ".join(
        _forms(
            term,
            lambda t: f"{_ts_lexeme(t)}:{weight}" if weight else _ts_lexeme(t),
            lambda t: f"{_ts_lexeme(t)}:*{weight}",
            lambda chars: "(" + " & ".join(chars) + ")",
            lambda forms: "(" + " | ".join(forms) + ")",
        )
        for term in terms
    )


def fts5_query(terms: Sequence[Term], column: str = "") -> str:
    """An FTS5 query: every term (AND), each by any of its forms (OR); with
    `column`, only in that column. Every token is a quoted string, so none
    is read as an operator (AND, NEAR, *, -, column names)."""
    query = " AND ".join(
        _forms(
            term,
            _quoted,
            lambda t: f"{_quoted(t)}*",
            lambda chars: "(" + " AND ".join(chars) + ")",
            lambda forms: "(" + " OR ".join(forms) + ")",
        )
        for term in terms
    )
    return f"{{{column}}} : ({query})" if column else query


def _relevance(found_in: Any, terms: Sequence[Term]) -> Any:
    """Σ over the terms of where each is found: TITLE, BODY or ELSEWHERE.
    `found_in(term, column)` is the condition that it is in that column."""
    total: Any = Value(0.0)
    for term in terms:
        total += Case(
            When(found_in(term, "title"), then=Value(TITLE)),
            When(found_in(term, "body"), then=Value(BODY)),
            default=Value(ELSEWHERE),
            output_field=FloatField(),
        )
    return total


def _raw(terms: Sequence[Term], weight: str = "") -> PgSearchQuery:
    return PgSearchQuery(tsquery(terms, weight), search_type="raw", config="simple")


class PostgresBackend:
    vendor = "postgresql"

    def match(self, offers: QuerySet, terms: Sequence[Term]) -> QuerySet:
        """The offers whose document matches (the GIN index), with
        `search_relevance`: where each term is found, read from the weights
        of the vector's words (the title's are A, the body's B)."""

        def found_in(term: Term, column: str) -> Q:
            weight = {"title": "A", "body": "B"}[column]
            return Q(search_document__vector=_raw([term], weight))

        return offers.filter(search_document__vector=_raw(terms)).alias(
            search_relevance=_relevance(found_in, terms)
        )

    def nearest(self, words: Sequence[str], vocabulary: QuerySet) -> dict[str, str]:
        """Each word's nearest word in `vocabulary` (itself when it is there),
        by trigram distance, if one is similar enough (pg_trgm's threshold,
        0.3), in one statement that the trigram index answers."""
        if not words:
            return {}
        table = vocabulary.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT w, (SELECT t.word FROM {table} t"  # noqa: S608 (a model's table name)
                " WHERE t.word %% w AND t.documents > 0"
                " ORDER BY t.word <-> w, t.documents DESC LIMIT 1)"
                " FROM unnest(%s::text[]) AS w",
                [list(words)],
            )
            return {word: near for word, near in cursor.fetchall() if near}

    def similar(self, word: str, limit: int, vocabulary: QuerySet) -> list[tuple[str, str]]:
        """Words of `vocabulary` spelt like `word`, nearest first: (word, how
        to show it). Looser than `nearest` (which search has already tried):
        for an empty search only, so reading the vocabulary through is fine."""
        table = vocabulary.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word, display FROM {table}"  # noqa: S608 (a model's table name)
                " WHERE similarity(word, %s) >= %s AND word <> %s AND documents > 0"
                " ORDER BY word <-> %s, documents DESC LIMIT %s",
                [word, LOOSE_SIMILARITY, word, word, limit],
            )
            return [(w, display) for w, display in cursor.fetchall()]

    def rebuilt(self) -> None:
        """Nothing to do: the vector is a generated column."""


class SqliteBackend:
    vendor = "sqlite"

    def match(self, offers: QuerySet, terms: Sequence[Term]) -> QuerySet:
        """The offers whose FTS5 row matches (offers.SearchFts, joined on its
        offer_id column, so that the MATCH runs once: migration 0004), with
        `search_relevance`: where each term is found, from one more MATCH
        per term and column, each run once (a subquery, not per row)."""

        def found_in(term: Term, column: str) -> Q:
            # The statement is constant; the query is a parameter. The rowid
            # (the offer's id) is read without a look into the content table.
            rows = RawSQL(  # noqa: S611
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
                [fts5_query([term], f"{column}_words")],
            )
            return Q(pk__in=rows)

        return offers.filter(search_fts__text__matches=fts5_query(terms)).alias(
            search_relevance=_relevance(found_in, terms)
        )

    def nearest(self, words: Sequence[str], vocabulary: QuerySet) -> dict[str, str]:
        """Each word's nearest word in `vocabulary` (itself when it is there),
        by difflib's ratio (at least 0.75), from one read of the words of
        about the same length."""
        if not words:
            return {}
        candidates = list(self._spelt_alike(vocabulary, words))
        known = set(candidates)
        found = {}
        for word in words:
            if word in known:
                found[word] = word
            elif close := difflib.get_close_matches(word, candidates, 1, NEAR_RATIO):
                found[word] = close[0]
        return found

    def similar(self, word: str, limit: int, vocabulary: QuerySet) -> list[tuple[str, str]]:
        displays = self._spelt_alike(vocabulary, [word])
        close = difflib.get_close_matches(word, list(displays), n=limit + 1, cutoff=LOOSE_RATIO)
        return [(w, displays[w]) for w in close if w != word][:limit]

    @staticmethod
    def _spelt_alike(vocabulary: QuerySet, words: Sequence[str]) -> dict[str, str]:
        """The vocabulary's words within two letters of the length of one of
        `words` (difflib compares each in Python), with how to show them."""
        lengths = [len(word) for word in words]
        return dict(
            vocabulary.annotate(n=Length("word"))
            .filter(n__gte=min(lengths) - 2, n__lte=max(lengths) + 2)
            .values_list("word", "display")[:CANDIDATES]
        )

    def rebuilt(self) -> None:
        """The FTS5 index made again from its content table (after a bulk load)."""
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608


_BACKENDS: dict[str, PostgresBackend | SqliteBackend] = {
    "postgresql": PostgresBackend(),
    "sqlite": SqliteBackend(),
}


def backend() -> PostgresBackend | SqliteBackend:
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise ImproperlyConfigured(
            f"Search runs on PostgreSQL or SQLite, not {connection.vendor}."
        ) from None
