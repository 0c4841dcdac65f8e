"""Formula indicators recomputed from their inputs, through the writer, in dependency order."""

from __future__ import annotations

from decimal import Decimal

from govperf.data.formulas import recompute
from govperf.data.models import DataValue, DataValueChange
from govperf.data.writer import write_batch
from tests.data.conftest import batch, make_indicator, stored


def value_of(indicator, unit, period):
    row = DataValue.objects.filter(indicator=indicator, unit=unit, period=period).first()
    return None if row is None else row.value


def write(org, items):
    result = write_batch(batch(items), actor=org.edu_coord, source="form")
    assert result.ok, result.errors
    return result


def test_an_input_change_recomputes_the_formula_and_the_formula_of_the_formula(org, lib):
    result = write(org, [(lib.enr, org.edu, "202603", "90"), (lib.cap, org.edu, "202603", "120")])
    assert result.recomputed == 2
    assert value_of(lib.rate, org.edu, "202603") == Decimal("75")
    assert value_of(lib.use, org.edu, "202603") == Decimal("150")
    rate = DataValue.objects.get(indicator=lib.rate, unit=org.edu, period="202603")
    assert (rate.source, rate.status) == ("formula", "draft")

    write(org, [(lib.enr, org.edu, "202603", "100")])
    # USE reads RATE as stored (6 decimals): it sees the new RATE only if RATE came first.
    assert value_of(lib.rate, org.edu, "202603") == Decimal("83.333333")
    assert value_of(lib.use, org.edu, "202603") == Decimal("166.666666")
    history = list(
        DataValueChange.objects.filter(data_value=rate)
        .order_by("changed_at", "id")
        .values_list("old_value", "new_value", "source", "reason")
    )
    assert history == [
        (None, Decimal("75"), "formula", "recomputed from its inputs"),
        (Decimal("75"), Decimal("83.333333"), "formula", "recomputed from its inputs"),
    ]


def test_a_missing_input_clears_the_formula_values_downstream(org, lib):
    write(org, [(lib.enr, org.edu, "202603", "90"), (lib.cap, org.edu, "202603", "120")])
    write(org, [(lib.cap, org.edu, "202603", "")])
    assert value_of(lib.rate, org.edu, "202603") is None
    assert value_of(lib.use, org.edu, "202603") is None
    # Division by zero is no value too, never an error.
    write(org, [(lib.cap, org.edu, "202603", "0")])
    assert value_of(lib.rate, org.edu, "202603") is None


def test_only_the_touched_units_and_periods_are_recomputed(org, lib):
    write(org, [(lib.enr, org.edu, "202603", "90"), (lib.cap, org.edu, "202603", "120")])
    stored(lib.enr, org.edu, "202604", 10)
    stored(lib.cap, org.edu, "202604", 20)
    write(org, [(lib.enr, org.edu, "202603", "60")])
    assert value_of(lib.rate, org.edu, "202603") == Decimal("50")
    assert value_of(lib.rate, org.edu, "202604") is None


def test_an_offset_moves_the_recomputation_forward(org, lib):
    grow = make_indicator("GROW", formula="#{ENR} - #{ENR@prev}")
    yoy = make_indicator("YOY", formula="#{ENR} - #{ENR@lastyear}")
    stored(lib.enr, org.edu, "202604", 100)
    stored(lib.enr, org.edu, "202703", 130)
    write(org, [(lib.enr, org.edu, "202603", "80")])
    # March has no February, April reads March, next March reads this March.
    assert value_of(grow, org.edu, "202603") is None
    assert value_of(grow, org.edu, "202604") == Decimal("20")
    assert value_of(yoy, org.edu, "202703") == Decimal("50")


def test_a_formula_value_is_only_as_far_along_as_its_inputs(org, lib):
    stored(lib.cap, org.edu, "202603", 120, status="approved")
    write(org, [(lib.enr, org.edu, "202603", "90")])
    assert DataValue.objects.get(indicator=lib.rate, period="202603").status == "draft"
    DataValue.objects.filter(indicator=lib.enr).update(status="submitted")
    count = recompute(
        indicator_ids=[lib.enr.pk],
        unit_ids=[org.edu.pk],
        periods=["202603"],
        actor=org.edu_coord,
        batch_id="t",
    )
    assert count == 2
    assert DataValue.objects.get(indicator=lib.rate, period="202603").status == "submitted"
    assert DataValue.objects.get(indicator=lib.use, period="202603").status == "submitted"


def test_nothing_changes_nothing_is_written(org, lib):
    write(org, [(lib.enr, org.edu, "202603", "90"), (lib.cap, org.edu, "202603", "120")])
    before = DataValueChange.objects.count()
    count = recompute(
        indicator_ids=[lib.enr.pk, lib.cap.pk],
        unit_ids=[org.edu.pk],
        periods=["202603"],
        actor=None,
        batch_id="again",
    )
    assert count == 0
    assert DataValueChange.objects.count() == before


def test_recompute_reads_disaggregated_inputs_never(org, lib):
    stored(lib.cap, org.edu, "202603", 100, category="male")
    write(org, [(lib.enr, org.edu, "202603", "50")])
    assert value_of(lib.rate, org.edu, "202603") is None


def test_a_coarser_input_is_read_in_the_period_containing_it(org, lib):
    plan = make_indicator("PLAN", frequency="Yearly", aggregation="last")
    done = make_indicator("DONE", formula="#{ENR} / #{PLAN} * 100", aggregation="last")
    stored(lib.enr, org.edu, "202602", 30)
    write(org, [(lib.enr, org.edu, "202603", "40")])
    assert value_of(done, org.edu, "202603") is None  # no yearly plan yet
    # Writing the yearly plan recomputes every month of the year that has an ENR.
    write(org, [(plan, org.edu, "2026", "200")])
    assert value_of(done, org.edu, "202602") == Decimal(15)
    assert value_of(done, org.edu, "202603") == Decimal(20)
    assert value_of(done, org.edu, "202604") is None


def test_a_finer_input_rolls_up_by_its_time_aggregation(org, lib):
    last = make_indicator("STOCK", aggregation="last")
    avg = make_indicator("AVG", aggregation="mean")
    yearly = make_indicator(
        "YF", frequency="Yearly", formula="#{ENR} + #{STOCK} * 1000 + #{AVG} * 1000000"
    )
    stored(last, org.edu, "202601", 7)
    stored(avg, org.edu, "202601", 1)
    stored(avg, org.edu, "202602", 3)
    write(org, [(lib.enr, org.edu, "202601", "10"), (lib.enr, org.edu, "202602", "5")])
    # ENR sums to 15, STOCK's last value is 7, AVG averages to 2.
    assert value_of(yearly, org.edu, "2026") == Decimal(2007015)
    write(org, [(last, org.edu, "202603", "8")])
    assert value_of(yearly, org.edu, "2026") == Decimal(2008015)
