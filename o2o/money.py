"""Money at the boundary with payment providers: minor units, and back."""

from decimal import Decimal

# ISO 4217 currencies without a minor unit (Stripe's list of zero-decimal currencies).
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)


def to_minor(amount: Decimal, currency: str) -> int:
    """¥198.50 → 19850. Refuses amounts that do not fit the currency exactly."""
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    minor = amount * factor
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} has more precision than the currency allows")
    return int(minor)


def from_minor(minor: int, currency: str) -> Decimal:
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    return (Decimal(minor) / factor).quantize(Decimal("1") if factor == 1 else Decimal("0.01"))
