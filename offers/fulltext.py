"""The vendor-specific SQL of search, and only that: PostgreSQL's full text
(a `tsvector` generated from the pre-segmented words with the `simple`
configuration, a GIN index, `to_tsquery`, `ts_rank`) and pg_trgm for the
nearest spelling; SQLite's FTS5 (an external-content table over the same
words, `MATCH`, `bm25`) and difflib. offers.search speaks to `backend()`;
nothing else here knows a vendor.

The tables behind it are made by migration 0004 (offers_searchdocument_vector
GIN index and the trigram index of the vocabulary on PostgreSQL; the FTS5
table offers_searchfts and the triggers that keep it on SQLite).
"""

import difflib
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import SearchQuery as PgSearchQuery
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import F, Func, QuerySet
from django.db.models.functions import Length

from .words import Term

# The FTS5 table's name is also its hidden column that MATCH is asked of.
FTS_TABLE = "offers_searchfts"
# Columns of the document, most telling first: PostgreSQL's weights A, B, C
# (ts_rank: 1, 0.4, 0.2); FTS5's bm25 weights 10, 4, 1 (its `rank`, set in
# migration 0004).
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
    weight (title A, the rest B, pinyin and characters C). The words are
    already cut and normalised (offers.words), so `simple` only lower-cases
    them. NULL elsewhere: SQLite's index is its FTS5 table."""

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


def tsquery(terms: Sequence[Term]) -> str:
    """`to_tsquery` text: every term (AND), each by any of its forms (OR)."""
    clauses = []
    for term in terms:
        forms = [_ts_lexeme(t) for t in term.exact]
        forms += [f"{_ts_lexeme(t)}:*" for t in term.prefix]
        if term.all_of:
            forms.append("(" + " & ".join(_ts_lexeme(c) for c in term.all_of) + ")")
        clauses.append("(" + " | ".join(forms) + ")")
    return " & ".join(clauses)


def fts5_query(terms: Sequence[Term]) -> str:
    """An FTS5 query: every term (AND), each by any of its forms (OR). Every
    token is a quoted string, so none is read as an operator (AND, NEAR, *)."""
    clauses = []
    for term in terms:
        forms = [_quoted(t) for t in term.exact]
        forms += [f"{_quoted(t)}*" for t in term.prefix]
        if term.all_of:
            forms.append("(" + " AND ".join(_quoted(c) for c in term.all_of) + ")")
        clauses.append("(" + " OR ".join(forms) + ")")
    return " AND ".join(clauses)


class PostgresBackend:
    vendor = "postgresql"

    def match(self, offers: QuerySet, terms: Sequence[Term]) -> QuerySet:
        """The offers whose document matches, with `search_relevance`
        (ts_rank; weights A 1, B 0.4, C 0.2)."""
        query = PgSearchQuery(tsquery(terms), search_type="raw", config="simple")
        return offers.filter(search_document__vector=query).alias(
            search_relevance=SearchRank(F("search_document__vector"), query)
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
        `search_relevance`: bm25 with the column weights, negated so that
        higher is better."""
        return offers.filter(search_fts__text__matches=fts5_query(terms)).alias(
            search_relevance=-F("search_fts__rank")
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
