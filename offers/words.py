"""Text as search sees it: one normal form for what merchants write and what
shoppers type, Chinese cut into words (rjieba), pinyin (pypinyin), and a
query's words with the forms each may match.

A token is a run of ASCII letters and digits, or a Chinese word. Both sides
are cut the same way: a deal's text in search mode (a long word and the
shorter words inside it: 静安寺 → 静安, 静安寺), a query in precise mode
(静安火锅 → 静安, 火锅), so every word of a query is one of the deal's
tokens when the deal says it. Each Chinese word of two characters or more
also brings its pinyin (火锅 → huoguo) and initials (hg), and each Chinese
character stands alone too, so a one-character query (鱼) and a word cut
differently in a deal are still found.

The dictionary is rjieba's (jieba-rs: loads in about 0.3 s, cuts ten times
faster than jieba, which is no longer released) plus the platform's own
names of places and categories (`add_words`), loaded on first use in a
process, not when a module is imported.
"""

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# A token longer than this is not a word anyone types; it is dropped.
MAX_TOKEN = 64
# Words of a query beyond this many are ignored.
MAX_QUERY_WORDS = 8
# Latin words this long or longer match as prefixes (hotp → hotpot) and are
# corrected when misspelt; shorter ones match exactly.
PREFIX_FROM = 3
TYPO_FROM = 4

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"  # CJK Unified Ideographs and Extension A
_TOKEN = re.compile(rf"[0-9a-z]+|[{_HAN}]+")
_IS_HAN = re.compile(rf"[{_HAN}]")
# Jing'an, Xi’an: one word, as its pinyin (jingan) is.
_INNER_APOSTROPHE = re.compile(r"(?<=[0-9a-z])['’‘`´](?=[0-9a-z])")

# Words a query may do without: "hotpot in jing'an" asks for hotpot and jingan.
STOP_WORDS = frozenset(
    "a an and at by for from in of on or the to with 的 和 与 及 在 或".split()  # noqa: SIM905
)


def normalise(text: str) -> str:
    """Full-width forms made plain (ＡＢＣ１２ → abc12), lower case, accents
    off (café → cafe), apostrophes inside a word dropped (jing'an → jingan)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _INNER_APOSTROPHE.sub("", unicodedata.normalize("NFKC", plain).lower())


def is_han(token: str) -> bool:
    return bool(_IS_HAN.match(token))


def tokens(text: str) -> list[str]:
    """The Latin words and the runs of Chinese characters of `text`, normalised."""
    return [t for t in _TOKEN.findall(normalise(text)) if len(t) <= MAX_TOKEN]


# -- the dictionary -----------------------------------------------------------

_lock = threading.Lock()
_jieba: Any = None
_added: set[str] = set()


def _segmenter() -> Any:
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import rjieba  # about 0.1 s to import, 0.3 s to load its dictionary

                segmenter = rjieba.Jieba()
                for word in _added:
                    segmenter.add_word(word, None, None)
                _jieba = segmenter
    return _jieba


def warm_up() -> None:
    """Load the segmenter's and pypinyin's dictionaries now (about 0.5 s),
    not in a shopper's first search: gunicorn's workers call it when they
    start (gunicorn.conf.py)."""
    cut("火锅")
    pinyin("火锅")


def add_words(words: Iterable[str]) -> None:
    """Teach the dictionary words of our own (静安寺, 陆家嘴), so that 静安寺火锅
    is cut into 静安寺 + 火锅. Only what it does not know yet; cheap to repeat."""
    new = {w for w in (normalise(word) for word in words) if is_han(w) and w not in _added}
    if not new:
        return
    with _lock:
        _added.update(new)
        if _jieba is not None:
            for word in new:
                _jieba.add_word(word, None, None)
        _text_words.cache_clear()  # texts cut before may be cut otherwise now


def cut(run: str, *, for_search: bool = False) -> list[str]:
    """A run of Chinese characters cut into words: precise mode for a query;
    search mode for a deal's text (also the shorter words inside long ones)."""
    segmenter = _segmenter()
    words = segmenter.cut_for_search(run) if for_search else segmenter.cut(run)
    return [w for w in words if is_han(w)]


# -- pinyin ------------------------------------------------------------------


@lru_cache(maxsize=20_000)
def pinyin(word: str) -> tuple[str, str]:
    """The pinyin of a Chinese word, without tones, and its initials:
    火锅 → ("huoguo", "hg"); 绿茶 → ("lvcha", "lc"), as keyboards type ü."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries load on first use

    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isascii() and s.isalpha()]
    full = "".join(syllables).lower()
    initials = "".join(
        s[:1] for s in lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore") if s.isalpha()
    ).lower()
    return full[:MAX_TOKEN], initials


# -- a deal's words ------------------------------------------------------------


@lru_cache(maxsize=20_000)
def _text_words(text: str) -> tuple[str, ...]:
    # Deals repeat their merchant's, category's and places' names: cut each once.
    found: dict[str, None] = {}
    for token in tokens(text):
        if is_han(token):
            found.update(dict.fromkeys(cut(token, for_search=True)))
        else:
            found[token] = None
    return tuple(found)


def document_words(*texts: str) -> list[str]:
    """The tokens of a deal's texts: Latin words as they are, Chinese cut in
    search mode. In order, each once."""
    found: dict[str, None] = {}
    for text in texts:
        found.update(dict.fromkeys(_text_words(text)))
    return list(found)


def with_pinyin(words: Iterable[str]) -> list[str]:
    """`words` and the pinyin of their Chinese words of two characters or
    more (火锅 → huoguo), which is as telling as the word: typed in pinyin,
    a word of the title still counts as the title's."""
    found = dict.fromkeys(words)
    for word in list(found):
        if is_han(word) and len(word) >= 2:
            full, _initials = pinyin(word)
            if full:
                found[full] = None
    return list(found)


def extra_words(words: Iterable[str]) -> list[str]:
    """What else the Chinese words among `words` are found by: their
    initials (two characters or more: hg) and each character alone."""
    found: dict[str, None] = {}
    for word in words:
        if not is_han(word):
            continue
        if len(word) >= 2:
            _full, initials = pinyin(word)
            if len(initials) >= 2:
                found[initials] = None
        found.update(dict.fromkeys(word))
    return list(found)


def vocabulary(words: Iterable[str]) -> dict[str, str]:
    """The words a misspelling can be corrected to, with how to show each:
    Latin words of TYPO_FROM letters or more as themselves; the pinyin of
    Chinese words, shown as the Chinese word (huoguo → 火锅)."""
    found: dict[str, str] = {}
    for word in words:
        if is_han(word):
            if len(word) >= 2:
                full, _initials = pinyin(word)
                if len(full) >= TYPO_FROM:
                    found.setdefault(full, word)
        elif len(word) >= TYPO_FROM and not word.isdigit():
            found.setdefault(word, word)
    return found


# -- a query -------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word of a query and the forms that match it (any one will do):
    tokens equal to one of `exact`, tokens starting with one of `prefix`, or
    every character of `all_of` (a Chinese word cut differently in a deal)."""

    text: str
    exact: tuple[str, ...] = ()
    prefix: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    corrections: tuple[str, ...] = field(default=(), compare=False)

    @property
    def latin(self) -> bool:
        return not is_han(self.text)

    @property
    def checkable(self) -> bool:
        """A Latin word search looks up among the indexed words."""
        return self.latin and len(self.text) >= PREFIX_FROM and not self.text.isdigit()

    @property
    def correctable(self) -> bool:
        return self.checkable and len(self.text) >= TYPO_FROM

    def corrected(self, word: str) -> "Term":
        """The same word, also matching `word`: its nearest indexed word, or
        itself when it is one. (The prefix form already finds it; said
        exactly too, PostgreSQL can estimate how many deals say it, which it
        cannot for a prefix, and plans the query accordingly.)"""
        if word in self.exact:
            return self
        corrections = self.corrections if word == self.text else (*self.corrections, word)
        return Term(self.text, (*self.exact, word), self.prefix, self.all_of, corrections)


def _term(word: str) -> Term:
    if is_han(word):
        if len(word) == 1:
            return Term(word, exact=(word,))
        full, _initials = pinyin(word)
        exact = (word, full) if full else (word,)
        return Term(word, exact=exact, all_of=tuple(dict.fromkeys(word)))
    if len(word) >= PREFIX_FROM and not word.isdigit():
        return Term(word, prefix=(word,))
    return Term(word, exact=(word,))


def query_words(text: str) -> list[str]:
    """The words of a query, as search reads them: Chinese cut in precise
    mode, stop words left out (unless nothing else is left), each once."""
    words: dict[str, None] = {}
    for token in tokens(text):
        if is_han(token):
            words.update(dict.fromkeys(cut(token)))
        else:
            words[token] = None
    kept = [w for w in words if w not in STOP_WORDS] or list(words)
    return kept[:MAX_QUERY_WORDS]


def parse_query(text: str) -> list[Term]:
    """The terms of a query: every one must match (AND), each by any of its forms."""
    return [_term(word) for word in query_words(text)]


def normal_query(text: str) -> str:
    """The query as one string, for counting and showing searches: its words
    joined by spaces, Chinese words by nothing (静安火锅 and 静安 火锅 are one)."""
    joined = ""
    for word in query_words(text):
        if joined and not (is_han(word) and is_han(joined[-1])):
            joined += " "
        joined += word
    return joined
