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
from zoneinfo import ZoneInfo

import holidays

from projector.domain.deadlines.units import Duration, TimeOfDay

END_OF_DAY = time(23, 59)
NOON = time(12, 0)


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
        if duration.unit in ("m", "h"):
            minutes = duration.amount * (60 if duration.unit == "h" else 1)
            return (start + timedelta(minutes=minutes)).astimezone(UTC)
        wall = start.astimezone(self.zone)
        if duration.unit == "bd":
            day = self.working_days_after(wall.date(), duration.amount)
            return self.local(day, cutoff.value if cutoff else END_OF_DAY)
        if duration.unit == "d":
            day = wall.date() + timedelta(days=duration.amount)
        else:
            day = add_months(wall.date(), duration.amount)
        return self.local(day, cutoff.value if cutoff else wall.time().replace(tzinfo=None))

    def working_days_after(self, day: date, count: int) -> date:
        while count > 0:
            day += timedelta(days=1)
            count -= self.is_working_day(day)
        return day

    def noon_next_working_day(self, due: datetime) -> datetime:
        """DORA CDR 2025/301 Art. 5(4): a due time on a weekend or holiday moves to noon
        of the next working day."""
        day = due.astimezone(self.zone).date()
        if self.is_working_day(day):
            return due
        return self.local(self.working_days_after(day, 1), NOON)

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
