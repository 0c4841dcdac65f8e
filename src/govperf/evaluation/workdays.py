"""Working days: the one calendar that deadlines counted in working days use.

China's public holidays and its 调休 working weekends come from the ``holidays``
package (``holidays.China``: ``weekend_workdays`` lists the Saturdays and Sundays
worked in exchange for a bridge day off). The office corrects it per year in
``WorkdayCorrection`` (a holiday the package does not know yet, a local day off,
a working weekend announced late); a correction wins over the package.

"Within N working days of D" ends on the N-th working day after D: published on
a Friday, 3 working days end on Wednesday; published before National Day, they
end after the holiday, counting a 调休 Saturday as a working day.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

ONE_DAY = dt.timedelta(days=1)
# Enough for any deadline the app counts (decisions are due within weeks).
MAX_SPAN_DAYS = 3 * 366


@lru_cache(maxsize=16)
def _package_calendar(year: int) -> holidays.HolidayBase:
    return holidays.China(years=[year])


def _package_is_workday(day: dt.date) -> bool:
    calendar = _package_calendar(day.year)
    if day in calendar.weekend_workdays:
        return True
    return day.weekday() < 5 and day not in calendar


class Calendar:
    """Working days between two dates, with the office's corrections read once."""

    def __init__(self, corrections: dict[dt.date, bool] | None = None) -> None:
        self.corrections = corrections or {}

    @classmethod
    def load(cls, start: dt.date, end: dt.date) -> Calendar:
        from govperf.evaluation.models import WorkdayCorrection

        rows = WorkdayCorrection.objects.filter(date__range=(start, end)).values_list(
            "date", "is_workday"
        )
        return cls(dict(rows))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.corrections:
            return self.corrections[day]
        return _package_is_workday(day)

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself for 0)."""
        if days < 0:
            raise ValueError("days must be ≥ 0")
        day, left = start, days
        for _ in range(MAX_SPAN_DAYS):
            if left == 0:
                return day
            day += ONE_DAY
            if self.is_workday(day):
                left -= 1
        raise ValueError("no working day found within three years")

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_workday(day)
        return count


def is_workday(day: dt.date) -> bool:
    return Calendar.load(day, day).is_workday(day)


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start``, with the office's corrections."""
    span = days * 3 + 30
    while True:
        end = start + dt.timedelta(days=span)
        found = Calendar.load(start, end).add(start, days)
        if found <= end:  # every correction up to the answer was read
            return found
        span *= 2


def workdays_between(start: dt.date, end: dt.date) -> int:
    return Calendar.load(start, end).between(start, end)
