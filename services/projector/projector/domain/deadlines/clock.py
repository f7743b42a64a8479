"""Calendar arithmetic for deadlines, in one time zone with one holiday calendar.

- Minutes and hours are elapsed time: ``4h`` is always 14,400 seconds, whatever the
  wall clock does at a daylight-saving change.
- Days and months move the wall clock in the zone: ``1d`` from 10:00 is 10:00 the next
  day (23 or 25 elapsed hours across a DST change). One month from 31 January is the
  last day of February (the day is clamped to the month's length), same wall-clock time.
- Business days skip weekends and the calendar's holidays: ``4bd`` from any instant of
  day D is day D plus four working days, at ``cutoff`` (default 23:59) local time.
- A wall-clock time that does not exist (spring forward) takes the offset in force
  before the change, so it lands one hour later; an ambiguous one (fall back) is the
  first occurrence.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
import msgspec

from projector.domain.deadlines.units import Duration, TimeOfDay

END_OF_DAY = time(23, 59)
NOON = time(12, 0)

AdjustmentKind = Literal["business_days", "holiday", "noon_rule", "cutoff", "pause"]


class Adjustment(msgspec.Struct, frozen=True, kw_only=True):
    """One step that moved a due time: its kind, what it did (naming the holiday, the
    weekend days or the rule), and the due time before and after it."""

    kind: AdjustmentKind
    detail: str
    before: datetime
    after: datetime


class Traced(msgspec.Struct, frozen=True, kw_only=True):
    """A due time, the raw one (the duration alone, read on the calendar) and the steps
    between them, in order: each ``before`` is the previous ``after``."""

    at: datetime
    raw: datetime
    adjustments: tuple[Adjustment, ...] = ()

    def then(self, adjustment: Adjustment | None) -> Traced:
        if adjustment is None:
            return self
        return Traced(at=adjustment.after, raw=self.raw,
                      adjustments=(*self.adjustments, adjustment))  # fmt: skip


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


class Clock:
    """Due-time arithmetic in ``zone`` with the holidays of ``country``/``subdivision``."""

    def __init__(
        self,
        zone: str,
        country: str,
        subdivision: str | None = None,
        extra_holidays: frozenset[date] = frozenset(),
        working_weekends: frozenset[date] = frozenset(),
    ) -> None:
        self.zone = ZoneInfo(zone)
        self._holidays = _holidays(country, subdivision)
        self._extra = extra_holidays
        self._working_weekends = working_weekends

    def is_working_day(self, day: date) -> bool:
        if day in self._working_weekends:
            return True
        return day.weekday() < 5 and day not in self._holidays and day not in self._extra

    def local(self, day: date, at: time) -> datetime:
        """The UTC instant of wall-clock ``at`` on ``day`` in the zone."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def add(self, start: datetime, duration: Duration, cutoff: TimeOfDay | None) -> datetime:
        return self.trace(start, duration, cutoff).at

    def trace(self, start: datetime, duration: Duration, cutoff: TimeOfDay | None) -> Traced:
        """``start`` plus ``duration``, with each step that moved it from the raw time."""
        if duration.unit in ("m", "h"):
            minutes = duration.amount * (60 if duration.unit == "h" else 1)
            due = (start + timedelta(minutes=minutes)).astimezone(UTC)
            return Traced(at=due, raw=due)
        wall = start.astimezone(self.zone)
        at = wall.time().replace(tzinfo=None)
        if duration.unit == "mo":
            day = add_months(wall.date(), duration.amount)
        else:
            day = wall.date() + timedelta(days=duration.amount)
        traced = Traced(at=self.local(day, at), raw=self.local(day, at))
        if duration.unit == "bd":
            traced = self._business_days(traced, wall.date(), duration.amount, at)
            cutoff = cutoff or TimeOfDay(END_OF_DAY)
        return traced.then(self._cutoff(traced.at, cutoff))

    def _business_days(self, traced: Traced, start: date, count: int, at: time) -> Traced:
        """One step per run of consecutive skipped days of one kind (a weekend, holidays)."""
        shifted = (traced.raw.astimezone(self.zone).date() - start).days
        for kind, days in self._skipped(start, count):
            before = self.local(start + timedelta(days=shifted), at)
            shifted += len(days)
            after = self.local(start + timedelta(days=shifted), at)
            detail = ", ".join(f"{name} {day.isoformat()}" for day, name in days)
            what = "weekend" if kind == "business_days" else "holiday"
            step = Adjustment(kind=kind, detail=f"{what}: {detail}", before=before, after=after)
            traced = traced.then(step)
        return traced

    def _skipped(
        self, start: date, count: int
    ) -> list[tuple[AdjustmentKind, list[tuple[date, str]]]]:
        runs: list[tuple[AdjustmentKind, list[tuple[date, str]]]] = []
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
                continue
            kind, name = self.day_off(day)
            if runs and runs[-1][0] == kind and runs[-1][1][-1][0] == day - timedelta(days=1):
                runs[-1][1].append((day, name))
            else:
                runs.append((kind, [(day, name)]))
        return runs

    def day_off(self, day: date) -> tuple[AdjustmentKind, str]:
        """Why ``day`` is not a working day: a holiday (named) or the weekend (the day)."""
        if day in self._extra:
            return "holiday", "the pack's extra holiday"
        name = self._holidays.get(day)
        if name:
            return "holiday", str(name)
        return "business_days", day.strftime("%A")

    def _cutoff(self, due: datetime, cutoff: TimeOfDay | None) -> Adjustment | None:
        if cutoff is None:
            return None
        wall = due.astimezone(self.zone)
        after = self.local(wall.date(), cutoff.value)
        if after == due:
            return None
        detail = f"due at {cutoff!r} local time on the day ({self.zone.key})"
        return Adjustment(kind="cutoff", detail=detail, before=due, after=after)

    def working_days_after(self, day: date, count: int) -> date:
        while count > 0:
            day += timedelta(days=1)
            count -= self.is_working_day(day)
        return day

    def noon_next_working_day(self, due: datetime) -> datetime:
        """DORA CDR 2025/301 Art. 5(4): a due time on a weekend or holiday moves to noon
        of the next working day."""
        step = self.noon_rule(due)
        return due if step is None else step.after

    def noon_rule(self, due: datetime) -> Adjustment | None:
        """The noon rule's step, naming the day off it moved ``due`` from (None: none)."""
        day = due.astimezone(self.zone).date()
        if self.is_working_day(day):
            return None
        after = self.local(self.working_days_after(day, 1), NOON)
        kind, name = self.day_off(day)
        off = "weekend" if kind == "business_days" else "holiday"
        detail = (f"due on a day off ({off}: {name} {day.isoformat()}): noon of the next"
                  " working day (DORA CDR 2025/301 Art. 5(4))")  # fmt: skip
        return Adjustment(kind="noon_rule", detail=detail, before=due, after=after)

    def daily(self, after: datetime, times: tuple[TimeOfDay, ...]) -> Iterator[datetime]:
        """The fixed wall-clock ``times`` of each day, strictly after ``after``."""
        day = after.astimezone(self.zone).date()
        ordered = sorted(t.value for t in times)
        while True:
            for at in ordered:
                instant = self.local(day, at)
                if instant > after:
                    yield instant
            day += timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months``, clamped to the last day of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
