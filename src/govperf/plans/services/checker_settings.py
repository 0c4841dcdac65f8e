"""The office's treatment of each plan-checker finding."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from govperf.audit.services import record
from govperf.core.errors import (
    NotFound,
)
from govperf.core.validation import check_version, touch
from govperf.orgs import policy
from govperf.orgs.models import Person
from govperf.orgs.policy import Action
from govperf.plans import checker
from govperf.plans.models import (
    CheckerSetting,
)
from govperf.plans.services.common import (
    Problems,
)

# --- checker settings ------------------------------------------------------------------------------


def _clean_params(p: Problems, rule: checker.Rule, params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        default = rule.default_params.get(key)
        where = f"params.{key}"
        if key not in rule.default_params:
            p.add(where, _("Unknown parameter."), key)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                p.add(where, _("Yes or no."), value)
            out[key] = bool(value)
        elif isinstance(default, int | float):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value <= 1000
            ):
                p.add(where, _("A number from 0 to 1000."), value)
            else:
                out[key] = value
        else:
            out[key] = p.text(value, where, max_length=64)
    merged = {**rule.default_params, **out}
    if "min" in merged and "max" in merged and merged["min"] > merged["max"]:
        p.add("params.min", _("The minimum is above the maximum."))
    return out


def update_checker_setting(
    *,
    actor: Person,
    code: str,
    mode: str,
    params: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> CheckerSetting:
    """The office decides whether a finding blocks submission, only warns, or is not checked."""
    policy.require_everything(
        actor, Action.REVIEW_PLAN, _("Only the performance office configures the plan checker.")
    )
    rule = checker.RULES.get(code)
    if rule is None:
        raise NotFound(_("Unknown checker rule."))
    p = Problems()
    if mode not in CheckerSetting.Mode.values:
        p.add("mode", _("Choose block, warn or off."), mode)
    cleaned = _clean_params(p, rule, params or {})
    p.raise_if_any(_("The setting could not be saved."))
    with transaction.atomic():
        setting = CheckerSetting.objects.select_for_update().filter(code=code).first()
        if setting is None:
            check_version(_Unsaved(), expected_version, _("The setting"))
            setting = CheckerSetting(code=code, mode=mode, params=cleaned, updated_by=actor)
            setting.save()
            record(
                action="plan.checker.update",
                actor=actor,
                obj=setting,
                after={"mode": mode, "params": cleaned},
            )
            return setting
        check_version(setting, expected_version, _("The setting"))
        before = {"mode": setting.mode, "params": setting.params}
        setting.mode, setting.updated_by = mode, actor
        if params is not None:
            setting.params = cleaned
        touch(setting, "mode", "params", "updated_by")
        record(
            action="plan.checker.update",
            actor=actor,
            obj=setting,
            before=before,
            after={"mode": setting.mode, "params": setting.params},
        )
    return setting


class _Unsaved:
    version = 0
