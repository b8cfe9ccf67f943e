"""Voucher codes: random, unguessable, easy to read aloud, self-checking.

A code is 11 random symbols of Crockford's base 32 (no I, L, O, U) plus one
check symbol (Luhn mod 32), shown in groups of four: ``7KQ4-9XMP-2RWB``.
55 random bits make guessing hopeless at the throttled rate, and the check
symbol catches a mistyped or swapped character before any database lookup.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding of look-alikes.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
RANDOM_LENGTH = 11
CODE_LENGTH = RANDOM_LENGTH + 1


def check_symbol(payload: str) -> str:
    """Luhn mod N over the payload: detects any single error and adjacent swaps."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for ch in reversed(payload):
        addend = factor * _VALUE[ch]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def generate_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_symbol(payload)


def normalize_code(raw: str) -> str | None:
    """The canonical code for what a person typed, or None if it cannot be one."""
    cleaned = "".join(ch for ch in str(raw).upper() if ch.isalnum()).translate(_ALIASES)
    if len(cleaned) != CODE_LENGTH or any(ch not in _VALUE for ch in cleaned):
        return None
    if check_symbol(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
