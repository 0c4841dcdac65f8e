"""Writes to cycles, goals, targets, plans, their workflow, comments and checker settings.

The only code that writes to the plans app. One function per step, keyword-only with
``actor`` first, one transaction each; permission through ``orgs.policy``; rows a
workflow moves are locked with ``select_for_update`` (plan before item); edits carry the
version the editor saw and a stale one is a conflict; every change lands in the audit
log (last) and the people concerned are notified on commit.

By concern: ``goals`` (cycles, goals, targets, decomposition), ``plans`` (plans, items,
the workflow), ``comments`` (the comment period), ``checker_settings``; ``common`` holds
what they share. Callers use this package: ``services.submit_plan(...)``.
"""

from govperf.plans.services.checker_settings import update_checker_setting
from govperf.plans.services.comments import (
    add_public_comment,
    add_staff_comment,
    answer_comment,
    close_comments,
    moderate_comment,
    open_comments,
)
from govperf.plans.services.common import (
    AMOUNT_LIMIT,
    PUBLIC_COMMENT_LIMIT,
    UNSET,
    RateLimited,
)
from govperf.plans.services.goals import (
    check_target_order,
    create_cycle,
    create_goal,
    create_target,
    decompose_goal_by_time,
    decompose_target,
    delete_goal,
    delete_target,
    require_goal_rights,
    require_target_rights,
    target_lock,
    update_cycle,
    update_goal,
    update_target,
)
from govperf.plans.services.plans import (
    TRANSITION_SERVICES,
    add_indicator,
    add_item,
    approve_plan,
    create_plan,
    remove_item,
    request_revision,
    return_plan,
    start_execution,
    submit_plan,
    update_item,
    update_plan,
)

__all__ = [
    "AMOUNT_LIMIT",
    "PUBLIC_COMMENT_LIMIT",
    "TRANSITION_SERVICES",
    "UNSET",
    "RateLimited",
    "add_indicator",
    "add_item",
    "add_public_comment",
    "add_staff_comment",
    "answer_comment",
    "approve_plan",
    "check_target_order",
    "close_comments",
    "create_cycle",
    "create_goal",
    "create_plan",
    "create_target",
    "decompose_goal_by_time",
    "decompose_target",
    "delete_goal",
    "delete_target",
    "moderate_comment",
    "open_comments",
    "remove_item",
    "request_revision",
    "require_goal_rights",
    "require_target_rights",
    "return_plan",
    "start_execution",
    "submit_plan",
    "target_lock",
    "update_checker_setting",
    "update_cycle",
    "update_goal",
    "update_item",
    "update_plan",
    "update_target",
]
