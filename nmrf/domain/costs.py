"""Money, checked and added up honestly: ISO 4217 codes, exact decimals, totals per currency. Pure.

Amounts are Decimals from their text (never floats); totals are kept per currency and
never summed across currencies: nmrf holds no exchange rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pycountry
from babel.numbers import format_decimal

from nmrf.domain.i18n import N_, SOURCE, Said, babel_locale

# ISO 4217 codes that name no money a budget is kept in: precious metals, testing, "no currency".
_NOT_MONEY = {"XAU", "XAG", "XPT", "XPD", "XTS", "XXX", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies) - _NOT_MONEY


def check_currency(code: str) -> str:
    """The ISO 4217 code, upper-cased; ValueError naming what was expected otherwise."""
    value = (code or "").strip().upper()
    if value not in _codes():
        raise ValueError(Said.of(N_("currency %(code)s is not an ISO 4217 currency code (e.g. CHF, CLP, EUR, USD)"),
                                 code=repr(code)))
    return value


NOT_A_NUMBER = N_("amount %(amount)s is not a number (e.g. 12500.00)")


def parse_amount(text: str | Decimal) -> Decimal:
    """An exact, non-negative amount with at most 4 decimals; ValueError otherwise."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise ValueError(Said.of(NOT_A_NUMBER, amount=repr(text))) from None
    if not value.is_finite():
        raise ValueError(Said.of(NOT_A_NUMBER, amount=repr(text)))
    if value < 0:
        raise ValueError(Said.of(N_("amount %(amount)s: a cost cannot be negative"), amount=text))
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError(Said.of(N_("amount %(amount)s: at most 4 decimals"), amount=text))
    return value


def totals(items: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """(currency, amount) pairs -> {currency: total}, currencies in alphabetical order."""
    out: dict[str, Decimal] = {}
    for currency, amount in items:
        out[currency] = out.get(currency, Decimal(0)) + amount
    return dict(sorted(out.items()))


def money(amount: Decimal, currency: str, lang: str | None = None) -> str:
    """12,500.00 CHF (English), 12 500,00 CHF (French), 12.500,00 CHF (Spanish): two decimals at least, up to
    the four an amount may have, grouped and pointed the reader's way (Babel/CLDR); the ISO code after it."""
    q = amount if amount.as_tuple().exponent < -2 else amount.quantize(Decimal("0.01"))  # type: ignore[operator]
    return f"{format_decimal(q, format='#,##0.00##', locale=babel_locale(lang or SOURCE))} {currency}"


def totals_text(t: dict[str, Decimal], lang: str | None = None) -> str:
    """One total per currency, never added across currencies: 1,800,000.00 CLP; 99.50 USD."""
    return "; ".join(money(v, c, lang) for c, v in t.items()) or "-"
