"""A report's values as a reader reads them: times in the site's zone with its offset and
no microseconds, amounts per locale with the currency's exact minor units, and event
summaries with their enumerations translated. Pure."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from babel import Locale

from contracts.events import Payload
from contracts.money import decimal, digits
from projector.domain import profiles
from projector.domain.facts import Fact
from projector.views import catalogue
from projector.views.catalogue import BABEL_LOCALE, ENUM_FIELDS, Language
from projector.views.summaries import summary


def zone(registry: profiles.Registry, facts: Sequence[Fact]) -> str:
    """The zone of the site's profile in force at the incident's report (its basis; UTC
    for an incident at no registered site)."""
    code, before = profiles.place_in(facts)
    basis = profiles.basis_at(registry, code, before or 0, profiles.source_of(facts))
    return basis.context.timezone


def local(at: datetime, zone: str) -> datetime:
    """``at`` in ``zone``, to the second."""
    return at.astimezone(ZoneInfo(zone)).replace(microsecond=0)


def localised(value: Any, zone: str) -> Any:
    """Every datetime in ``value`` (a dict, list or scalar) in ``zone``."""
    if isinstance(value, datetime):
        return local(value, zone)
    if isinstance(value, dict):
        return {k: localised(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [localised(v, zone) for v in value]
    return value


def amount(amount_minor: int, currency: str, language: Language | None) -> str:
    """``1250000, "CNY"`` → ``CN¥12,500.00`` (en) or ``¥12,500.00`` (zh); exact, no float."""
    locale = Locale.parse(BABEL_LOCALE[language or "en"])
    pattern = copy.copy(locale.currency_formats["standard"])
    places = digits(currency)
    pattern.frac_prec = (places, places)
    return str(
        pattern.apply(decimal(amount_minor, currency), locale, currency=currency,
                      currency_digits=False)
    )  # fmt: skip


def _translated(payload: Payload, language: Language) -> Any:
    changes = {
        name: catalogue.word(context, str(value.value), language)
        for name, context in ENUM_FIELDS.items()
        if isinstance(value := getattr(payload, name, None), Enum)
    }
    return msgspec.structs.replace(payload, **changes) if changes else payload


def line(event_type: str, payload: Payload, language: Language | None) -> str:
    """An event's one-line summary with its enumerations in the reader's words (both
    languages, Chinese first, when none is chosen)."""
    if language is not None:
        return summary(event_type, _translated(payload, language), language)
    return f"{line(event_type, payload, 'zh')} / {line(event_type, payload, 'en')}"


def enum(context: str, value: Any, language: Language | None) -> Any:
    """An enumeration's value in the reader's words, other values as they are."""
    if isinstance(value, str) and value and catalogue.known(context, value):
        return catalogue.words(context, value, language)
    return value
