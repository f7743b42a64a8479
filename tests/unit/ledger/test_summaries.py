"""Every event type reads as one line in English and in Chinese, without personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.registry import Registry
from incident_ledger.simulation import history
from projector.views.summaries import _TEMPLATES, MAX_LENGTH, language, money, summary

pytestmark = pytest.mark.unit


def test_every_type_has_its_own_line_in_both_languages() -> None:
    seen = {e.type: e for e in history(2000, now=datetime.now(UTC))}
    for event_type, envelope in seen.items():
        for lang in ("en", "zh"):
            line = summary(event_type, envelope.payload, lang)
            assert line
            assert "{" not in line
            assert len(line) <= MAX_LENGTH
            assert line != event_type.rsplit(".v", 1)[0], event_type
    assert len(seen) >= 20


def test_personal_data_never_reaches_a_summary() -> None:
    for envelope in history(2000, now=datetime.now(UTC)):
        personal = getattr(envelope.payload, "personal", None)
        if personal is not None and personal.phone:
            assert personal.phone not in summary(envelope.type, envelope.payload)


def test_the_catalogue_has_a_template_for_every_type() -> None:
    catalogue = {tag.rsplit(".v", 1)[0] for tag in Registry().types}
    assert catalogue <= set(_TEMPLATES)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,zh;q=0.5", "en"), (None, "en"),
     ("fr, zh;q=0.1", "zh"), ("zh;q=bad, en", "en")],
)  # fmt: skip
def test_accept_language_picks_english_or_chinese(header: str | None, expected: str) -> None:
    assert language(header) == expected


def test_money_is_shown_in_currency_units() -> None:
    assert money(123456, "CNY") == "1234.56 CNY"
    assert money(-5, "EUR") == "-0.05 EUR"
    assert money(1200, "JPY") == "1200 JPY"


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [(1000, "KWD", "1.000 KWD"), (500, "XOF", "500 XOF"), (123456789, "JPY", "123456789 JPY"),
     (-1, "KWD", "-0.001 KWD"), (99, "CNY", "0.99 CNY"), (100, "EUR", "1.00 EUR")],
)  # fmt: skip
def test_money_has_each_currencys_own_minor_units(minor: int, currency: str, shown: str) -> None:
    """Given amounts in currencies with 0, 2 and 3 decimals, then each prints exactly."""
    assert money(minor, currency) == shown
