"""Period codes: parsing, printing, neighbours, roll-up, ordering."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govperf.engine.periods import Period, PeriodKind, iso_weeks_in_year, parse_period

P = Period.parse
Y, S, Q, M, W, D = (
    PeriodKind.YEARLY,
    PeriodKind.SIX_MONTHLY,
    PeriodKind.QUARTERLY,
    PeriodKind.MONTHLY,
    PeriodKind.WEEKLY,
    PeriodKind.DAILY,
)


@pytest.mark.parametrize(
    ("code", "kind", "start", "end"),
    [
        ("2026", Y, "2026-01-01", "2026-12-31"),
        ("2026S1", S, "2026-01-01", "2026-06-30"),
        ("2026S2", S, "2026-07-01", "2026-12-31"),
        ("2026Q1", Q, "2026-01-01", "2026-03-31"),
        ("2026Q4", Q, "2026-10-01", "2026-12-31"),
        ("202602", M, "2026-02-01", "2026-02-28"),
        ("202402", M, "2024-02-01", "2024-02-29"),
        ("202612", M, "2026-12-01", "2026-12-31"),
        ("2026W01", W, "2025-12-29", "2026-01-04"),
        ("2026W05", W, "2026-01-26", "2026-02-01"),
        ("2026W53", W, "2026-12-28", "2027-01-03"),
        ("20260315", D, "2026-03-15", "2026-03-15"),
    ],
)
def test_it_parses_each_kind_with_its_dates(code: str, kind: PeriodKind, start: str, end: str):
    period = P(code)

    assert period.kind is kind
    assert period.code == code
    assert period.start == dt.date.fromisoformat(start)
    assert period.end == dt.date.fromisoformat(end)
    assert str(period) == code
    assert parse_period(code) == period


def test_it_accepts_unpadded_weeks_as_dhis2_writes_them_and_prints_them_padded():
    assert P("2026W5") == P("2026W05")
    assert P("2026W5").code == "2026W05"


@pytest.mark.parametrize(
    "code",
    ["", "26", "202", "20261", "2026Q0", "2026Q5", "2026S3", "202600", "202613", "2026W00",
     "2025W53", "2026W54", "20260230", "20250229", "0000", "2026q1", "2026-03", " 2026",
     "2026Q1 ", "２０２６", "2026M03", "2026BiW1"],
)  # fmt: skip
def test_it_refuses_unknown_codes_quoting_them(code: str):
    with pytest.raises(ValueError, match="无法识别的期间代码 / unknown period code") as info:
        P(code)

    assert repr(code) in str(info.value)


def test_it_refuses_a_code_that_is_not_a_string():
    with pytest.raises(TypeError):
        P(202603)  # type: ignore[arg-type]


def test_fields_are_validated_on_construction():
    assert Period(M, 2026, 3) == P("202603")
    assert Period("Quarterly", 2026, 1).kind is Q  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Period(M, 2026, 13)
    with pytest.raises(ValueError):
        Period(Y, 2026, 2)
    with pytest.raises(ValueError):
        Period(M, 2026, 3, 15)


@pytest.mark.parametrize(
    ("code", "prev", "next_"),
    [
        ("2026", "2025", "2027"),
        ("2026S1", "2025S2", "2026S2"),
        ("2026Q1", "2025Q4", "2026Q2"),
        ("202601", "202512", "202602"),
        ("202612", "202611", "202701"),
        ("2026W01", "2025W52", "2026W02"),
        ("2026W53", "2026W52", "2027W01"),
        ("2020W53", "2020W52", "2021W01"),
        ("20260301", "20260228", "20260302"),
        ("20241231", "20241230", "20250101"),
    ],
)
def test_prev_and_next_step_one_period_of_the_same_kind(code: str, prev: str, next_: str):
    assert P(code).prev() == P(prev)
    assert P(code).next() == P(next_)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("202603", "202503"),
        ("2026Q1", "2025Q1"),
        ("2026S2", "2025S2"),
        ("2026", "2025"),
        ("2026W05", "2025W05"),
        ("2026W53", "2025W52"),  # 2025 has 52 ISO weeks: clamped
        ("2020W53", "2019W52"),
        ("20260315", "20250315"),
        ("20240229", "20230228"),
    ],
)
def test_last_year_is_the_same_period_one_year_earlier(code: str, expected: str):
    assert P(code).last_year() == P(expected)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("202503", "202603"),
        ("2025Q4", "2026Q4"),
        ("2025", "2026"),
        ("2020W53", "2021W52"),  # 2021 has 52 ISO weeks: clamped
        ("2025W52", "2026W52"),
        ("20240229", "20250228"),
        ("20251231", "20261231"),
    ],
)
def test_next_year_is_the_same_period_one_year_later(code: str, expected: str):
    assert P(code).next_year() == P(expected)


def test_there_is_no_period_before_year_one_or_after_9999():
    with pytest.raises(ValueError):
        P("0001").prev()
    with pytest.raises(ValueError):
        P("0001Q1").last_year()
    with pytest.raises(ValueError):
        P("99991231").next()
    with pytest.raises(ValueError):
        P("9999Q1").next_year()


@pytest.mark.parametrize(
    ("code", "kind", "expected"),
    [
        ("202605", Q, "2026Q2"),
        ("202605", S, "2026S1"),
        ("202605", Y, "2026"),
        ("202607", S, "2026S2"),
        ("2026Q3", S, "2026S2"),
        ("2026Q3", Y, "2026"),
        ("2026S2", Y, "2026"),
        ("2026W01", Y, "2026"),  # by ISO year, although the week starts in 2025
        ("2020W53", Y, "2020"),  # ends on 2021-01-03
        ("20260315", M, "202603"),
        ("20260315", Q, "2026Q1"),
        ("20260315", W, "2026W11"),
        ("20260315", Y, "2026"),
        ("202603", M, "202603"),
    ],
)
def test_parent_rolls_up(code: str, kind: PeriodKind, expected: str):
    assert P(code).parent(kind) == P(expected)


@pytest.mark.parametrize(
    ("code", "kind"), [("2026Q1", M), ("2026W05", M), ("2026W05", Q), ("202603", W)]
)
def test_parent_refuses_finer_kinds_and_weeks_across_months(code: str, kind: PeriodKind):
    with pytest.raises(ValueError):
        P(code).parent(kind)


def test_children_split_a_period_into_finer_ones():
    assert [p.code for p in P("2026").children(Q)] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert [p.code for p in P("2026").children(S)] == ["2026S1", "2026S2"]
    assert [p.code for p in P("2026Q2").children(M)] == ["202604", "202605", "202606"]
    assert len(P("2026").children(M)) == 12
    assert len(P("2026").children(W)) == 53
    assert len(P("2025").children(W)) == 52
    assert len(P("2024").children(D)) == 366
    assert len(P("2026W05").children(D)) == 7
    assert P("202603").children(M) == [P("202603")]
    with pytest.raises(ValueError):
        P("2026Q1").children(W)
    with pytest.raises(ValueError):
        P("202603").children(Q)


def test_range_lists_every_period_between_two_inclusive():
    assert [p.code for p in Period.range(P("202511"), P("202602"))] == [
        "202511",
        "202512",
        "202601",
        "202602",
    ]
    assert Period.range(P("2026Q1"), P("2026Q1")) == [P("2026Q1")]
    with pytest.raises(ValueError):
        Period.range(P("202601"), P("2026Q1"))
    with pytest.raises(ValueError):
        Period.range(P("202602"), P("202601"))


def test_contains_compares_dates():
    assert P("2026").contains(P("2026Q3"))
    assert P("2026Q1").contains(P("202603"))
    assert not P("2026Q1").contains(P("202604"))
    assert P("2026Q1").contains(dt.date(2026, 2, 14))
    assert P("2026Q1").contains(dt.datetime(2026, 3, 31, 23, 59))
    # The first ISO week of 2026 starts in December 2025.
    assert not P("2026").contains(P("2026W01"))
    assert P("2026").contains(P("2026W02"))


def test_elapsed_share_counts_the_given_day_as_elapsed():
    q1 = P("2026Q1")  # 90 days

    assert q1.elapsed_share(dt.date(2025, 12, 31)) == 0.0
    assert q1.elapsed_share(dt.date(2026, 1, 1)) == pytest.approx(1 / 90)
    assert q1.elapsed_share(dt.date(2026, 2, 14)) == pytest.approx(45 / 90)
    assert q1.elapsed_share(dt.date(2026, 3, 31)) == 1.0
    assert q1.elapsed_share(dt.date(2026, 7, 1)) == 1.0
    assert P("2026").elapsed_share(dt.datetime(2026, 7, 2, 8)) == pytest.approx(183 / 365)


def test_periods_sort_by_start_then_length_across_kinds():
    codes = ["202602", "2026", "2026W01", "2026S1", "20260101", "2026Q1", "202601", "2025"]

    assert [p.code for p in sorted(map(P, codes))] == [
        "2025",
        "2026W01",
        "20260101",
        "202601",
        "2026Q1",
        "2026S1",
        "2026",
        "202602",
    ]


def test_periods_are_hashable_and_equal_by_value():
    assert {P("2026Q1"), P("2026Q1"), P("2026Q2")} == {P("2026Q1"), P("2026Q2")}
    assert P("2026") != P("2026S1")
    assert P("2026W5") == Period(W, 2026, 5)
    with pytest.raises(AttributeError):
        P("2026").year = 2027  # type: ignore[misc]
    with pytest.raises(TypeError):
        _ = P("2026") < "2027"  # type: ignore[operator]


def test_containing_finds_the_period_of_a_date():
    day = dt.date(2026, 12, 31)

    assert Period.containing(W, day) == P("2026W53")
    assert Period.containing(M, day) == P("202612")
    assert Period.containing(S, day) == P("2026S2")
    assert Period.containing(D, dt.datetime(2026, 12, 31, 23)) == P("20261231")


# -- properties ---------------------------------------------------------------------

dates = st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2098, 12, 31))
kinds = st.sampled_from(list(PeriodKind))
periods = st.builds(Period.containing, kinds, dates)
CALENDAR = [Y, S, Q, M]
PER_YEAR = {Y: 1, S: 2, Q: 4, M: 12}


@given(periods)
def test_codes_round_trip(period: Period):
    assert Period.parse(period.code) == period
    assert Period.parse(period.code).code == period.code


@given(periods)
def test_prev_and_next_are_inverse(period: Period):
    assert period.prev().next() == period
    assert period.next().prev() == period
    assert period.prev() < period < period.next()
    assert period.prev().end + dt.timedelta(days=1) == period.start


@given(st.builds(Period.containing, st.sampled_from(CALENDAR), dates))
def test_last_year_of_a_calendar_period_is_a_year_of_prevs(period: Period):
    earlier = period
    for _ in range(PER_YEAR[period.kind]):
        earlier = earlier.prev()

    assert period.last_year() == earlier


@given(st.builds(Period.containing, st.just(W), dates))
def test_last_year_of_a_week_keeps_its_number_when_it_can(period: Period):
    before = period.last_year()

    assert before.year == period.year - 1
    assert before.number == min(period.number, iso_weeks_in_year(period.year - 1))


@given(
    st.builds(Period.containing, st.sampled_from(CALENDAR), dates),
    st.sampled_from([S, Q, M, D]),
)
def test_children_partition_the_parent(parent: Period, kind: PeriodKind):
    if kind.rank > parent.kind.rank:
        return
    children = parent.children(kind)

    assert children[0].start == parent.start
    assert children[-1].end == parent.end
    for before, after in itertools.pairwise(children):
        assert before.end + dt.timedelta(days=1) == after.start
    assert all(child.parent(parent.kind) == parent for child in children)
    assert all(parent.contains(child) for child in children)


@given(dates, st.sampled_from(CALENDAR))
def test_a_days_parent_is_the_period_containing_it(day: dt.date, kind: PeriodKind):
    assert Period.containing(D, day).parent(kind) == Period.containing(kind, day)


@given(periods, periods)
def test_order_follows_start_date_then_end(a: Period, b: Period):
    assert (a < b) == ((a.start, a.end) < (b.start, b.end))
    assert (a == b) == ((a.start, a.end) == (b.start, b.end))


@given(periods, dates, dates)
def test_elapsed_share_grows_from_zero_to_one(period: Period, d1: dt.date, d2: dt.date):
    early, late = sorted((d1, d2))

    assert 0.0 <= period.elapsed_share(early) <= period.elapsed_share(late) <= 1.0
    assert period.elapsed_share(period.end) == 1.0
    assert period.elapsed_share(period.start - dt.timedelta(days=1)) == 0.0


def test_docstring_examples():
    import doctest

    from govperf.engine import periods

    result = doctest.testmod(periods)

    assert result.failed == 0
    assert result.attempted > 0


@given(st.builds(Period.containing, st.sampled_from(CALENDAR), dates))
def test_next_year_undoes_last_year_for_calendar_periods(period: Period):
    if (period.kind, period.number, period.day) == (D, 2, 29) or period.year == 1:
        return  # 29 February and year 1 have no last-year period to come back from
    assert period.last_year().next_year() == period
