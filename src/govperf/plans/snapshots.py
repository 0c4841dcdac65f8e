"""The approved version of a plan, and what a revision changes against it.

At approval the plan's items are frozen into ``Plan.approved_snapshot``; a
revision (R003 §4.1.6) is shown as a diff against it: items added and removed,
and per item the weight, the core-KPI flag and the target values changed.
Numbers are kept as text ("20", "0.5"), exactly as stored.
"""

from __future__ import annotations

from typing import Any

from govperf.plans.models import Plan, PlanItem
from govperf.plans.rollup import number

VALUE_FIELDS = ("weight", "is_core", "baseline", "floor", "target", "challenge", "deadline")


def item_state(item: PlanItem) -> dict[str, Any]:
    target = item.target
    return {
        "target_id": target.pk,
        "indicator": target.indicator.code,
        "name": target.indicator_version.name,
        "period": target.period,
        "weight": number(item.weight),
        "is_core": item.is_core,
        "baseline": number(target.baseline),
        "floor": number(target.floor),
        "target": number(target.target),
        "challenge": number(target.challenge),
        "deadline": target.deadline.isoformat() if target.deadline else "",
    }


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    items = plan.items.select_related("target__indicator", "target__indicator_version").order_by(
        "sort_order", "pk"
    )
    return {"measures": plan.measures, "items": [item_state(i) for i in items]}


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any] | None:
    """Changes from ``old`` to ``new`` (two snapshots); None when there is nothing to compare."""
    if not old:
        return None
    before = {i["target_id"]: i for i in old.get("items", [])}
    after = {i["target_id"]: i for i in new.get("items", [])}
    changed = []
    for key in after.keys() & before.keys():
        fields = {
            f: [before[key].get(f), after[key].get(f)]
            for f in VALUE_FIELDS
            if before[key].get(f) != after[key].get(f)
        }
        if fields:
            item = after[key]
            changed.append(
                {
                    "target_id": key,
                    "indicator": item["indicator"],
                    "name": item["name"],
                    "period": item["period"],
                    "fields": fields,
                }
            )
    measures = (
        [old.get("measures", ""), new.get("measures", "")]
        if old.get("measures", "") != new.get("measures", "")
        else None
    )
    return {
        "added": [after[k] for k in after if k not in before],
        "removed": [before[k] for k in before if k not in after],
        "changed": sorted(changed, key=lambda c: (c["indicator"], c["period"])),
        "measures": measures,
    }


def is_empty(change: dict[str, Any] | None) -> bool:
    return not change or not (
        change["added"] or change["removed"] or change["changed"] or change["measures"]
    )
