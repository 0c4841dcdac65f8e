"""Working days: China's holidays and 调休 working weekends, and the office's corrections."""

import datetime as dt

import pytest

from govperf.evaluation import services, workdays
from govperf.evaluation.models import WorkdayCorrection

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (D(2025, 9, 10), 3, D(2025, 9, 15)),  # Wednesday → Thu, Fri, Mon
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # Friday → Sunday 28 September, a 调休 working day
        # National Day and Mid-Autumn: 1–8 October off; Saturday 11 October is worked.
        (D(2025, 9, 30), 3, D(2025, 10, 11)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # Spring Festival 2026: Sat 14 Feb is worked
        (D(2025, 9, 10), 0, D(2025, 9, 10)),
    ],
)
def test_add_workdays_follows_the_chinese_calendar(db, start, days, end):
    assert workdays.add_workdays(start, days) == end


def test_weekends_and_holidays_are_days_off_and_adjusted_weekends_are_worked(db):
    assert not workdays.is_workday(D(2025, 10, 1))  # National Day
    assert not workdays.is_workday(D(2025, 9, 27))  # an ordinary Saturday
    assert workdays.is_workday(D(2025, 9, 28))  # the Sunday worked for the holiday
    assert workdays.is_workday(D(2025, 10, 11))
    assert workdays.workdays_between(D(2025, 9, 30), D(2025, 10, 11)) == 3


def test_the_office_corrects_the_calendar(world):
    services.save_workday(
        actor=world.office, date=D(2025, 9, 12), is_workday=False, note="本地假日"
    )
    services.save_workday(actor=world.office, date=D(2025, 9, 13), is_workday=True, note="补班")
    assert workdays.add_workdays(D(2025, 9, 11), 1) == D(2025, 9, 13)
    correction = WorkdayCorrection.objects.get(date=D(2025, 9, 12))
    services.delete_workday(actor=world.office, correction=correction)
    assert workdays.add_workdays(D(2025, 9, 11), 1) == D(2025, 9, 12)
