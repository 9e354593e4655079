"""Money, checked and added up honestly: ISO 4217 codes, exact decimals, totals per currency. Pure.

Amounts are Decimals from their text (never floats); totals are kept per currency and
never summed across currencies: nmrf holds no exchange rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pycountry

# ISO 4217 codes that name no money a budget is kept in: precious metals, testing, "no currency".
_NOT_MONEY = {"XAU", "XAG", "XPT", "XPD", "XTS", "XXX", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies) - _NOT_MONEY


def check_currency(code: str) -> str:
    """The ISO 4217 code, upper-cased; ValueError naming what was expected otherwise."""
    value = (code or "").strip().upper()
    if value not in _codes():
        raise ValueError(f"currency {code!r} is not an ISO 4217 currency code (e.g. CHF, CLP, EUR, USD)")
    return value


def parse_amount(text: str | Decimal) -> Decimal:
    """An exact, non-negative amount with at most 4 decimals; ValueError otherwise."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"amount {text!r} is not a number (e.g. 12500.00)") from None
    if not value.is_finite():
        raise ValueError(f"amount {text!r} is not a number (e.g. 12500.00)")
    if value < 0:
        raise ValueError(f"amount {text}: a cost cannot be negative")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError(f"amount {text}: at most 4 decimals")
    return value


def totals(items: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """(currency, amount) pairs -> {currency: total}, currencies in alphabetical order."""
    out: dict[str, Decimal] = {}
    for currency, amount in items:
        out[currency] = out.get(currency, Decimal(0)) + amount
    return dict(sorted(out.items()))


def money(amount: Decimal, currency: str) -> str:
    """12,500.00 CHF: two decimals at least, thousands separated."""
    q = amount if amount.as_tuple().exponent < -2 else amount.quantize(Decimal("0.01"))  # type: ignore[operator]
    return f"{q:,} {currency}"


def totals_text(t: dict[str, Decimal]) -> str:
    return "; ".join(money(v, c) for c, v in t.items()) or "-"
