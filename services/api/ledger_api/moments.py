"""The one rule for every date-time and date query parameter.

- Date-times are RFC 3339 with their offset (``2026-11-22T08:00:00+08:00``, ``…Z``);
  dates are ``YYYY-MM-DD``. Nothing else: no epoch numbers (``as_of=0.5`` would name
  1970), no bare local times (they name no moment).
- Every value lies on or after 1900-01-01 (UTC). The instant a read is *as of*
  (``as_of``, ``valuation_date``) lies at most ``SKEW`` ahead of the server's clock: the
  ledger cannot answer for what it has not yet seen, and a caller's clock may run a
  little fast. A filter's bound (``occurred_from``, ``due_before``, ``since``, …) may lie
  in the future, up to the year 9999.

Errors name the parameter as the caller wrote it (400, RFC 9457).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar.openapi.spec import OpenAPIFormat
from litestar.params import QueryParameter

from ledger_api.paging import BadParameter

SKEW = timedelta(seconds=300)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # a filter's bound; no offset overflows it
_INSTANT = re.compile(
    r"(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(\.\d{1,6})?\d*([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_EXAMPLE = "e.g. 2026-11-22T08:00:00+08:00 or 2026-11-22T00:00:00Z"


def date_time(description: str = "") -> Any:
    """A date-time query parameter's declaration (``Annotated[str | None, date_time()]``):
    read as text, so that nothing but this module's rule gives it a meaning."""
    return QueryParameter(
        format=OpenAPIFormat.DATE_TIME, max_length=40, description=description or None
    )


def day(description: str = "", name: str | None = None) -> Any:
    """A date query parameter's declaration (``Annotated[str | None, day()]``); ``name``:
    what the caller writes, where it is not the Python name (``from``, ``to``)."""
    return QueryParameter(
        name=name, format=OpenAPIFormat.DATE, max_length=20, description=description or None
    )


def _parse(name: str, text: str) -> datetime:
    found = _INSTANT.fullmatch(text)
    if found is None:
        hint = " (a '+' in a URL must be written %2B)" if " " in text else ""
        raise BadParameter(name, f"must be an RFC 3339 date-time with its offset{hint}, {_EXAMPLE}")
    whole, fraction, offset = found.groups()
    try:
        return datetime.fromisoformat(whole.upper() + (fraction or "") + offset.upper())
    except ValueError:
        raise BadParameter(name, f"is not a date-time that exists, {_EXAMPLE}") from None


def _within(name: str, value: datetime, latest: datetime) -> datetime:
    if not EARLIEST <= value <= latest:
        bound = "5 minutes from now" if latest < LATEST else "9999-01-01"
        raise BadParameter(name, f"must lie between 1900-01-01T00:00:00Z and {bound}")
    return value


def as_of(name: str, text: str | None) -> datetime | None:
    """The instant a read is as of: not before 1900, not beyond now plus ``SKEW``."""
    if text is None:
        return None
    return _within(name, _parse(name, text), datetime.now(UTC) + SKEW)


def bound(name: str, text: str | None) -> datetime | None:
    """A filter's bound: not before 1900, not beyond the year 9999."""
    return None if text is None else _within(name, _parse(name, text), LATEST)


def _day(name: str, text: str) -> date:
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        raise BadParameter(name, "is not a date that exists, e.g. 2026-11-22") from None
    raise BadParameter(name, "must be a date written YYYY-MM-DD, e.g. 2026-11-22")


def as_of_day(name: str, text: str | None) -> date | None:
    """The day a read is as of: from 1900-01-01 to today (UTC, ``SKEW`` ahead)."""
    if text is None:
        return None
    value = _day(name, text)
    if not EARLIEST.date() <= value <= (datetime.now(UTC) + SKEW).date():
        raise BadParameter(name, "must lie between 1900-01-01 and today")
    return value


def bound_day(name: str, text: str | None) -> date | None:
    """A filter's day: from 1900-01-01 to 9998-12-31."""
    if text is None:
        return None
    value = _day(name, text)
    if not EARLIEST.date() <= value < LATEST.date():
        raise BadParameter(name, "must lie between 1900-01-01 and 9998-12-31")
    return value
