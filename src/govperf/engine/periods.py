"""Reporting periods as DHIS2-style codes, parsed, compared and rolled up in one place.

=========  ============  ==================================================
kind       code          meaning
=========  ============  ==================================================
Yearly     ``2026``      the calendar year
SixMonthly ``2026S1``    January–June (``S2``: July–December)
Quarterly  ``2026Q1``    January–March
Monthly    ``202603``    March 2026
Weekly     ``2026W05``   ISO week 5 of ISO year 2026 (Monday to Sunday)
Daily      ``20260315``  15 March 2026
=========  ============  ==================================================

Weeks follow ISO 8601, so ``2026W01`` starts on Monday 2025-12-29 and rolls up
into the year 2026 by its ISO year, not by the dates it covers. ``2026W5`` (no
padding, as DHIS2 writes it) is accepted; codes are always printed padded.

Examples
--------
>>> p = Period.parse("202603")
>>> p.prev().code, p.last_year().code, p.parent(PeriodKind.QUARTERLY).code
('202602', '202503', '2026Q1')
>>> [q.code for q in Period.parse("2026").children(PeriodKind.QUARTERLY)]
['2026Q1', '2026Q2', '2026Q3', '2026Q4']
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering

__all__ = ["Period", "PeriodKind", "parse_period"]


class PeriodKind(StrEnum):
    """Period types, valued by their DHIS2 names for import and export."""

    DAILY = "Daily"
    WEEKLY = "Weekly"
    MONTHLY = "Monthly"
    QUARTERLY = "Quarterly"
    SIX_MONTHLY = "SixMonthly"
    YEARLY = "Yearly"

    @property
    def rank(self) -> int:
        """Coarseness: 0 for days up to 5 for years."""
        return _RANK[self]


_RANK = {kind: i for i, kind in enumerate(PeriodKind)}

# How many periods of a kind a calendar year holds; weeks depend on the year.
_PER_YEAR = {
    PeriodKind.YEARLY: 1,
    PeriodKind.SIX_MONTHLY: 2,
    PeriodKind.QUARTERLY: 4,
    PeriodKind.MONTHLY: 12,
}
# Months a period of a calendar kind spans.
_MONTHS = {
    PeriodKind.YEARLY: 12,
    PeriodKind.SIX_MONTHLY: 6,
    PeriodKind.QUARTERLY: 3,
    PeriodKind.MONTHLY: 1,
}

# ASCII digits only: `\d` would also accept full-width and other Unicode digits.
_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    (PeriodKind.YEARLY, re.compile(r"([0-9]{4})")),
    (PeriodKind.SIX_MONTHLY, re.compile(r"([0-9]{4})S([0-9])")),
    (PeriodKind.QUARTERLY, re.compile(r"([0-9]{4})Q([0-9])")),
    (PeriodKind.MONTHLY, re.compile(r"([0-9]{4})([0-9]{2})")),
    (PeriodKind.WEEKLY, re.compile(r"([0-9]{4})W([0-9]{1,2})")),
    (PeriodKind.DAILY, re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")),
)

_ONE_DAY = dt.timedelta(days=1)


def _unknown(code: object, detail: str = "") -> ValueError:
    suffix = f" ({detail})" if detail else ""
    return ValueError(f"无法识别的期间代码 / unknown period code: {code!r}{suffix}")


def iso_weeks_in_year(year: int) -> int:
    """Number of ISO weeks (52 or 53) in ISO year ``year``."""
    # 28 December always falls in the last ISO week of its year.
    return dt.date(year, 12, 28).isocalendar().week


@total_ordering
@dataclass(frozen=True, slots=True)
class Period:
    """One reporting period.

    ``year`` is the calendar year (the ISO year for weeks); ``number`` is the
    half (1–2), quarter (1–4), month (1–12) or ISO week (1–53), and for a
    daily period the month, with ``day`` its day of the month (0 otherwise;
    a yearly period has number 1).

    Equality is by kind and fields; ordering is by start date, then by length
    (shorter first), so ``202601 < 2026Q1 < 2026S1 < 2026 < 202602``.
    """

    kind: PeriodKind
    year: int
    number: int = 1
    day: int = 0

    def __post_init__(self) -> None:
        kind = PeriodKind(self.kind)
        object.__setattr__(self, "kind", kind)
        if not 1 <= self.year <= 9999:
            raise ValueError(f"年份须在 1–9999 之间 / year must be 1–9999: {self.year!r}")
        if kind is PeriodKind.DAILY:
            try:
                dt.date(self.year, self.number, self.day)
            except ValueError as exc:
                raise ValueError(f"日期无效 / invalid date: {exc}") from None
            return
        if self.day != 0:
            raise ValueError(f"只有日期间有 day / only daily periods have a day: {self.day!r}")
        last = iso_weeks_in_year(self.year) if kind is PeriodKind.WEEKLY else _PER_YEAR[kind]
        if not 1 <= self.number <= last:
            raise ValueError(
                f"{kind} 期间序号须在 1–{last} 之间 / {kind} period number must be "
                f"1–{last}: {self.number!r}"
            )

    # -- construction -------------------------------------------------------

    @classmethod
    def parse(cls, code: str) -> Period:
        """Parse a DHIS2-style code; ``ValueError`` quoting the code if it is not one."""
        if not isinstance(code, str):
            raise TypeError(f"期间代码须为字符串 / a period code is a string, got {code!r}")
        for kind, pattern in _PATTERNS:
            match = pattern.fullmatch(code)
            if match is None:
                continue
            fields = [int(group) for group in match.groups()]
            try:
                return cls(kind, *fields)
            except ValueError as exc:
                raise _unknown(code, str(exc)) from None
        raise _unknown(code)

    @classmethod
    def containing(cls, kind: PeriodKind, day: dt.date) -> Period:
        """The period of ``kind`` that contains ``day``."""
        kind = PeriodKind(kind)
        if isinstance(day, dt.datetime):
            day = day.date()
        if kind is PeriodKind.DAILY:
            return cls(kind, day.year, day.month, day.day)
        if kind is PeriodKind.WEEKLY:
            iso = day.isocalendar()
            return cls(kind, iso.year, iso.week)
        return cls(kind, day.year, (day.month - 1) // _MONTHS[kind] + 1)

    @staticmethod
    def range(start: Period, end: Period) -> list[Period]:
        """Every period from ``start`` to ``end`` inclusive; both must be of one kind."""
        if start.kind is not end.kind:
            raise ValueError(
                f"起止期间类型不同 / start and end differ in kind: {start.code!r}, {end.code!r}"
            )
        if end < start:
            raise ValueError(f"结束早于开始 / end before start: {start.code!r}..{end.code!r}")
        out = [start]
        while out[-1] != end:
            out.append(out[-1].next())
        return out

    # -- presentation --------------------------------------------------------

    @property
    def code(self) -> str:
        """The canonical code, e.g. ``2026Q1`` or ``2026W05``."""
        kind, y, n = self.kind, self.year, self.number
        if kind is PeriodKind.YEARLY:
            return f"{y:04d}"
        if kind is PeriodKind.SIX_MONTHLY:
            return f"{y:04d}S{n}"
        if kind is PeriodKind.QUARTERLY:
            return f"{y:04d}Q{n}"
        if kind is PeriodKind.MONTHLY:
            return f"{y:04d}{n:02d}"
        if kind is PeriodKind.WEEKLY:
            return f"{y:04d}W{n:02d}"
        return f"{y:04d}{n:02d}{self.day:02d}"

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Period.parse({self.code!r})"

    # -- dates -----------------------------------------------------------------

    @property
    def start(self) -> dt.date:
        """First day of the period."""
        kind = self.kind
        if kind is PeriodKind.DAILY:
            return dt.date(self.year, self.number, self.day)
        if kind is PeriodKind.WEEKLY:
            return dt.date.fromisocalendar(self.year, self.number, 1)
        return dt.date(self.year, (self.number - 1) * _MONTHS[kind] + 1, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period (inclusive)."""
        kind = self.kind
        if kind is PeriodKind.DAILY:
            return self.start
        if kind is PeriodKind.WEEKLY:
            return dt.date.fromisocalendar(self.year, self.number, 7)
        last_month = self.number * _MONTHS[kind]
        if last_month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, last_month + 1, 1) - _ONE_DAY

    @property
    def days(self) -> int:
        """Length in days."""
        return (self.end - self.start).days + 1

    def contains(self, other: Period | dt.date) -> bool:
        """Whether ``other`` (a period or a date) lies within this period's dates.

        By dates: the year 2026 does not contain ``2026W01`` (it starts on
        2025-12-29) although that week rolls up into 2026 by ``parent``.
        """
        if isinstance(other, Period):
            return self.start <= other.start and other.end <= self.end
        if isinstance(other, dt.datetime):
            other = other.date()
        return self.start <= other <= self.end

    def elapsed_share(self, on_date: dt.date) -> float:
        """Share of the period elapsed by the end of ``on_date``, from 0.0 to 1.0.

        ``on_date`` itself counts as elapsed, because progress is reported as of
        the close of a day: on 31 March the first quarter is fully elapsed.
        Before the period it is 0.0, after it 1.0.
        """
        if isinstance(on_date, dt.datetime):
            on_date = on_date.date()
        elapsed = (on_date - self.start).days + 1
        return min(max(elapsed / self.days, 0.0), 1.0)

    # -- neighbours --------------------------------------------------------------

    def next(self) -> Period:
        """The following period of the same kind."""
        try:
            return Period.containing(self.kind, self.end + _ONE_DAY)
        except OverflowError:
            raise ValueError(f"{self.code} 之后没有期间 / no period after {self.code}") from None

    def prev(self) -> Period:
        """The previous period of the same kind."""
        try:
            return Period.containing(self.kind, self.start - _ONE_DAY)
        except OverflowError:
            raise ValueError(f"{self.code} 之前没有期间 / no period before {self.code}") from None

    def last_year(self) -> Period:
        """The same period one year earlier (同期): 202603 → 202503, 2026Q1 → 2025Q1.

        A week maps to the same ISO week number of the previous ISO year, W53
        falling back to W52 when that year has 52 weeks; 29 February maps to 28
        February.
        """
        year = self.year - 1
        if year < 1:
            raise ValueError(f"{self.code} 没有上年同期 / no year before {self.code}")
        if self.kind is PeriodKind.WEEKLY:
            return Period(self.kind, year, min(self.number, iso_weeks_in_year(year)))
        if self.kind is PeriodKind.DAILY:
            day = 28 if (self.number, self.day) == (2, 29) else self.day
            return Period(self.kind, year, self.number, day)
        return Period(self.kind, year, self.number)

    def next_year(self) -> Period:
        """The same period one year later, as ``last_year`` goes back: 202503 → 202603;
        W53 becomes W52 when the next ISO year has 52 weeks, 29 February 28 February."""
        year = self.year + 1
        if year > 9999:
            raise ValueError(f"{self.code} 没有下年同期 / no year after {self.code}")
        if self.kind is PeriodKind.WEEKLY:
            return Period(self.kind, year, min(self.number, iso_weeks_in_year(year)))
        if self.kind is PeriodKind.DAILY:
            day = 28 if (self.number, self.day) == (2, 29) else self.day
            return Period(self.kind, year, self.number, day)
        return Period(self.kind, year, self.number)

    # -- roll-up -------------------------------------------------------------------

    def parent(self, kind: PeriodKind) -> Period:
        """The period of the coarser ``kind`` this one rolls up into.

        Month → quarter → half → year; a week rolls up only into its ISO year;
        a day into any kind, including its ISO week. Refuses a finer kind, and
        weeks into months, quarters or halves (a week may straddle them).
        """
        kind = PeriodKind(kind)
        if kind is self.kind:
            return self
        if kind.rank < self.kind.rank:
            raise ValueError(
                f"{self.code} 不能归入更细的 {kind} / cannot roll {self.code} up into finer {kind}"
            )
        if self.kind is PeriodKind.WEEKLY:
            if kind is not PeriodKind.YEARLY:
                raise ValueError(
                    f"周只能归入年 / a week rolls up only into a year, not {kind}: {self.code}"
                )
            return Period(kind, self.year)
        return Period.containing(kind, self.start)

    def children(self, kind: PeriodKind) -> list[Period]:
        """The periods of the finer ``kind`` that roll up into this one, in order.

        Exactly the periods ``p`` of ``kind`` with ``p.parent(self.kind) == self``;
        for calendar kinds they partition this period's days.
        """
        kind = PeriodKind(kind)
        if kind is self.kind:
            return [self]
        if kind.rank > self.kind.rank:
            raise ValueError(f"{kind} 比 {self.code} 粗 / {kind} is coarser than {self.code}")
        if kind is PeriodKind.WEEKLY:
            if self.kind is not PeriodKind.YEARLY:
                raise ValueError(f"只有年可分为周 / only a year splits into weeks, not {self.code}")
            return [Period(kind, self.year, w) for w in range(1, iso_weeks_in_year(self.year) + 1)]
        if self.kind is PeriodKind.WEEKLY and kind is not PeriodKind.DAILY:
            raise ValueError(
                f"周只能分为日 / a week splits only into days, not {kind}: {self.code}"
            )
        return Period.range(Period.containing(kind, self.start), Period.containing(kind, self.end))

    # -- ordering ----------------------------------------------------------------------

    def _sort_key(self) -> tuple[dt.date, dt.date]:
        # Start and end identify a period across kinds: no two kinds share a length.
        return (self.start, self.end)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._sort_key() < other._sort_key()


def parse_period(code: str) -> Period:
    """Parse a period code (same as :meth:`Period.parse`)."""
    return Period.parse(code)
