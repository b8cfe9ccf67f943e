"""JSON request bodies: DRF's parser, refusing bodies nested too deeply.

Python's json module parses nested arrays and objects by recursion, so a
body of 5,000 `[` ends in RecursionError (a 500). No request of ours nests
more than a few levels, so a body deeper than MAX_JSON_DEPTH is refused,
found by a scan that itself does not recurse, before json ever sees it.
"""

import json
import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

MAX_JSON_DEPTH = 64
TOO_DEEP = _("The request body nests arrays and objects more than %(n)s deep.")

# A JSON string, escapes included: brackets inside strings do not nest.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# An array or object with no array or object inside.
_INNERMOST = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def nested_deeper_than(body: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects more than `limit` deep.

    Strings are dropped, then the innermost arrays and objects are removed
    pass after pass: a pass removes one level, so a text `limit` deep is gone
    after `limit` passes. Whatever cannot pair up (malformed JSON) is counted
    as nesting too, since json would recurse into it before finding the error.
    Each pass is one regular-expression scan, in C.
    """
    if isinstance(body, bytes):
        # Latin-1 maps every byte to one character; UTF-8 never uses the
        # bytes of ASCII brackets, quotes or backslashes inside a character.
        body = body.decode("latin-1")
    if body.count("[") + body.count("{") <= limit:
        return False
    rest = _STRING.sub("", body)
    passes = 0
    while passes < limit:
        rest, removed = _INNERMOST.subn("", rest)
        if not removed:
            break
        passes += 1
    return passes + rest.count("[") + rest.count("{") > limit


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (strict: no NaN or Infinity), with every refusal a
    400 `invalid_json`: malformed, undecodable or nested too deeply."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]  # not in the stubs
            text = stream.read().decode(encoding)
        except (ParseError, UnicodeDecodeError):
            raise ParseError(
                _("The request body is not text in the charset it names."), code="invalid_json"
            ) from None
        if nested_deeper_than(text):
            raise ParseError(TOO_DEEP % {"n": MAX_JSON_DEPTH}, code="invalid_json")
        try:
            return json.loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(
                _("The request body is not valid JSON: %(error)s") % {"error": exc},
                code="invalid_json",
            ) from None
