"""Scalar values a pack spells as strings: durations (``"4h"``) and times of day (``"08:00"``).

They are plain classes (not structs) so that the loader's ``dec_hook`` parses them and
msgspec reports a bad value with the path of the field that held it.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any, Final

UNITS: Final = {"m": "minutes", "h": "hours", "d": "days", "mo": "months", "bd": "business days"}
_DURATION = re.compile(r"^(\d{1,5})(mo|bd|m|h|d)$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Duration:
    """An amount of one unit: calendar minutes/hours (elapsed), days/months (wall clock in
    the pack's time zone) or business days (working days of the pack's calendar)."""

    __slots__ = ("amount", "unit")

    def __init__(self, amount: int, unit: str) -> None:
        self.amount = amount
        self.unit = unit

    @classmethod
    def parse(cls, text: object) -> Duration:
        match = _DURATION.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"expected a duration like 30m, 4h, 60d, 1mo or 4bd, got {text!r}")
        return cls(int(match[1]), match[2])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and (self.amount, self.unit) == (
            other.amount,
            other.unit,
        )

    def __hash__(self) -> int:
        return hash((self.amount, self.unit))

    def __repr__(self) -> str:
        return f"{self.amount}{self.unit}"


class TimeOfDay:
    """A wall-clock time ``HH:MM`` in the pack's time zone."""

    __slots__ = ("value",)

    def __init__(self, value: time) -> None:
        self.value = value

    @classmethod
    def parse(cls, text: object) -> TimeOfDay:
        match = _CLOCK.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"expected a time of day HH:MM, got {text!r}")
        return cls(time(int(match[1]), int(match[2])))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimeOfDay) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return self.value.strftime("%H:%M")


def dec_hook(type_: type, obj: Any) -> Any:
    """msgspec hook: build :class:`Duration` and :class:`TimeOfDay` from their strings."""
    if type_ is Duration:
        return Duration.parse(obj)
    if type_ is TimeOfDay:
        return TimeOfDay.parse(obj)
    raise NotImplementedError(f"cannot decode {type_!r}")
