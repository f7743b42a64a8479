"""Money, in one place: the ISO 4217 codes and their minor units, from Babel's copy of the
CLDR data (kept current with ISO 4217 by the Unicode consortium), and amounts in integer
minor units shown as exact decimals. No amount passes through a float, except into a
spreadsheet's cell, which holds a double: :func:`cell` gives the double nearest the exact
decimal, the one the writer would make of it.

``1000 KWD`` minor units are ``1.000`` (three decimals), ``500 XOF`` are ``500`` (none),
``123456 CNY`` are ``1234.56``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision, list_currencies

from contracts.errors import ContractError

CODES: tuple[str, ...] = tuple(
    sorted(c for c in list_currencies() if len(c) == 3 and c.isascii() and c.isupper())
)
"""Every ISO 4217 alphabetic code Babel knows, current and historic."""

MINOR_DIGITS: dict[str, int] = {code: get_currency_precision(code) for code in CODES}
"""Decimal places of each currency's minor unit (JPY 0, EUR 2, KWD 3, CLF 4)."""


def check(payload: Any) -> None:
    """Raise ``ContractError`` (``schema_violation`` at ``$.payload.currency``) if the
    payload names a currency outside ISO 4217. Applied to publications (decoding and the
    builders); stored events are not re-checked."""
    currency = getattr(payload, "currency", None)
    if isinstance(currency, str) and currency not in MINOR_DIGITS:
        raise ContractError(
            "schema_violation",
            f"{currency!r} is not an ISO 4217 currency code",
            "$.payload.currency",
        )


def digits(currency: str) -> int:
    """The currency's decimal places (2 for a code outside ISO 4217, which the contracts
    refuse anyway)."""
    return MINOR_DIGITS.get(currency, 2)


def decimal(amount_minor: int, currency: str) -> Decimal:
    """``1000, "KWD"`` → ``Decimal("1.000")``: exact, with the currency's places."""
    return Decimal(f"{amount_minor}e-{digits(currency)}")  # exact: no context rounding


def units(amount_minor: int, currency: str) -> str:
    """``123456, "CNY"`` → ``"1234.56"``; ``500, "XOF"`` → ``"500"``;
    ``-5, "EUR"`` → ``"-0.05"``."""
    return formatter(currency)(amount_minor)


@functools.cache
def formatter(currency: str) -> Callable[[int], str]:
    """:func:`units` for one currency, built once: what a long run calls for each amount.
    Digits are placed as text (no division, no float)."""
    places = digits(currency)
    if not places:
        return str

    def shown(amount_minor: int) -> str:
        if amount_minor < 0:
            return "-" + shown(-amount_minor)
        text = str(amount_minor).rjust(places + 1, "0")
        return f"{text[:-places]}.{text[-places:]}"

    return shown


@functools.cache
def cell(currency: str) -> Callable[[int], float]:
    """Minor units to a spreadsheet cell's number (``123456`` CNY → ``1234.56``): the double
    nearest the exact decimal. Python's ``int / int`` is correctly rounded, so this is the
    double a writer reads from :func:`decimal`'s value, made without building a Decimal
    (what a long spreadsheet does for each amount)."""
    scale: int = 10 ** digits(currency)

    def number(amount_minor: int) -> float:
        return amount_minor / scale

    return number


def money(amount_minor: int, currency: str) -> str:
    """``123456, "CNY"`` → ``"1234.56 CNY"``."""
    return f"{units(amount_minor, currency)} {currency}"


def number_format(currency: str) -> str:
    """A spreadsheet number format with the currency's places, e.g. ``#,##0.000``."""
    places = digits(currency)
    return "#,##0." + "0" * places if places else "#,##0"
