"""A stored round built from the shared Hangzhou-style case gives exactly what
``govperf evaluate`` prints for the case file: the same engine, the same numbers.

The case's units become units of the organisation in their comparable groups; its
indicator values and social scores are imported for the round, the leaders score the
leader component through their scoring tasks, and its bonus points are adjustments.
"""

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from govperf.evaluation import services
from govperf.evaluation.models import IndicatorResult, UnitResult
from govperf.orgs.models import ComparableGroup
from govperf.plans.models import Cycle
from tests.evaluation.conftest import compute
from tests.helpers import make_person, make_unit
from tests.shared import SHARED

CASE = SHARED / "cases" / "c06-hangzhou-style.json"


class Office:
    def __init__(self, case) -> None:
        city = make_unit("hz", "city")
        self.office = make_person("office", ("perf_office", make_unit("hz-pmo", "office", city)))
        self.cycle = Cycle.objects.create(
            code="2025",
            name="2025年度",
            period="2025",
            start_date="2025-01-01",
            end_date="2025-12-31",
        )
        groups: dict[str, ComparableGroup] = {}
        self.units = []
        for item in case["units"]:
            unit = make_unit(item["code"], "department", city)
            group = groups.get(item["group"]) or ComparableGroup.objects.create(
                code=item["group"], name=item["group"]
            )
            groups[item["group"]] = group
            unit.groups.add(group)
            self.units.append(unit)
        lg = make_unit("hz-lg", "leadership_group", city)
        raters = max(len(v["leader"]) for v in case["values"].values())
        self.leaders = [make_person(f"leader{i}", ("leader", lg)) for i in range(raters)]


def stored_definition(scheme: dict) -> dict:
    definition = json.loads(json.dumps(scheme))
    for comp in definition["components"]:
        if comp["code"] == "leader":
            comp["evaluators"] = ["superior"]
        elif "panel" in comp:
            comp["source"] = "import"
        else:
            for ind in comp["indicators"]:
                ind["source"] = "import"
    return definition


@pytest.fixture
def case():
    return json.loads(CASE.read_text())


def test_a_stored_round_matches_govperf_evaluate(db, case):
    world = Office(case)
    scheme = services.create_scheme(
        actor=world.office, code="c06", name="杭州式", definition=stored_definition(case["scheme"])
    )
    round_ = services.open_round(
        actor=world.office,
        cycle=world.cycle,
        period="2025",
        scheme_version=scheme.current,
        units=world.units,
        deadline=dt.date(2026, 1, 31),
        seed=1,
    )
    by_code = {u.code: u for u in world.units}
    rows = []
    for code, values in case["values"].items():
        unit = by_code[code]
        for key, value in values.items():
            if key == "leader":
                for leader, score in zip(world.leaders, value, strict=True):
                    task = round_.tasks.get(unit=unit, evaluator=leader)
                    services.submit_score(
                        actor=leader,
                        task=task,
                        score=score,
                        comment="成绩突出" if score >= 95 or score < 60 else "",
                    )
            elif isinstance(value, list):
                rows += [
                    services.ImportRow(unit=unit, code=key, value=v, position=i)
                    for i, v in enumerate(value)
                ]
            else:
                rows.append(services.ImportRow(unit=unit, code=key, value=value))
    services.import_values(actor=world.office, round_=round_, rows=rows)
    for code, points in (case.get("bonus") or {}).items():
        services.add_adjustment(
            actor=world.office,
            round_=round_,
            unit=by_code[code],
            kind="bonus",
            points=points,
            reason="创新创优",
        )
    for code, reason in (case.get("veto") or {}).items():
        services.add_adjustment(
            actor=world.office, round_=round_, unit=by_code[code], kind="veto", reason=reason
        )

    job = compute(world, round_)
    assert job.status == "done", job.details

    printed = subprocess.run(
        [sys.executable, "-m", "govperf.cli", "evaluate", str(CASE)],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = {u["unit"]: u for u in json.loads(printed.stdout)["units"]}
    stored = {
        r.unit.code: r
        for r in UnitResult.objects.filter(result_set=job.result_set).select_related("unit")
    }
    indicators = IndicatorResult.objects.filter(result_set=job.result_set).select_related("unit")
    assert set(stored) == set(expected)
    for code, want in expected.items():
        got = stored[code]
        assert got.composite == Decimal(str(want["composite"])), code
        assert (got.grade, got.rank, got.veto or None) == (
            want["grade"],
            want["rank"],
            want["veto"],
        ), code
        assert got.components == want["components"], code
        assert got.breakdown["composite"] == want["explain"]["composite"], code
        for row in (r for r in indicators if r.unit.code == code):
            assert row.pct == Decimal(str(want["indicators"][row.code]["pct"])), (code, row.code)
            assert row.points == Decimal(str(want["indicators"][row.code]["points"])), (
                code,
                row.code,
            )
            assert got.breakdown["indicators"][row.code] == want["indicators"][row.code]
    # And the expected answers shipped with the case agree (to 0.01, as CASES.md says).
    shipped = json.loads(CASE.with_suffix("").with_suffix(".expected.json").read_text())
    for want in shipped["units"]:
        assert abs(float(stored[want["unit"]].composite) - want["composite"]) <= 0.01
        assert stored[want["unit"]].grade == want["grade"]
