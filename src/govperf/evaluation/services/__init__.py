"""Writes of the evaluation app: schemes, rounds and their tasks, scores, imported values,
adjustments, computations, the result workflow, appeals, conflicts and the office's presets.

One function per step, keyword-only with ``actor`` first, one transaction each;
permission through ``orgs.policy``; rows a workflow moves are locked with
``select_for_update``; edits carry the version the editor saw (a stale one is a
``Conflict``); every change is audited last and the people concerned are notified
on commit. The computation itself runs in the worker (``run_computation``): inputs
are loaded in bulk, the engine scores every unit in one call, and the new result set
is written in one transaction, so a failure part-way leaves the results as they were.

- ``schemes``: schemes and their versions, presets, weights from the weighting tools;
- ``rounds``: rounds and their scoring tasks, scores, conflicts, imported values,
  bonus points and vetoes;
- ``results``: computations and the result workflow;
- ``appeals``: appeals and their decisions;
- ``office``: the office's presets, the working-day calendar and reminders.
"""

from govperf.evaluation.services.appeals import (
    DECISIONS,
    decide_appeal,
    file_appeal,
    withdraw_appeal,
)
from govperf.evaluation.services.common import (
    Problems,
    check_definition,
    comment_marks,
    require_office,
    round_spec,
)
from govperf.evaluation.services.office import (
    SETTINGS_FIELDS,
    delete_workday,
    flag_overdue_appeals,
    save_workday,
    send_task_reminders,
    update_settings,
)
from govperf.evaluation.services.results import (
    RESULT_STEPS,
    compute_results,
    lock_results,
    publish_results,
    review_results,
    run_computation,
    start_computation,
    store_result_set,
)
from govperf.evaluation.services.rounds import (
    ImportRow,
    add_adjustment,
    assign_task,
    close_round,
    declare_conflict,
    import_values,
    import_values_file,
    open_round,
    reassign_task,
    remove_adjustment,
    reopen_round,
    submit_score,
    withdraw_conflict,
)
from govperf.evaluation.services.schemes import (
    create_scheme,
    load_presets,
    set_component_weights,
    update_scheme,
)

__all__ = [
    "DECISIONS",
    "RESULT_STEPS",
    "SETTINGS_FIELDS",
    "ImportRow",
    "Problems",
    "add_adjustment",
    "assign_task",
    "check_definition",
    "close_round",
    "comment_marks",
    "compute_results",
    "create_scheme",
    "decide_appeal",
    "declare_conflict",
    "delete_workday",
    "file_appeal",
    "flag_overdue_appeals",
    "import_values",
    "import_values_file",
    "load_presets",
    "lock_results",
    "open_round",
    "publish_results",
    "reassign_task",
    "remove_adjustment",
    "reopen_round",
    "require_office",
    "review_results",
    "round_spec",
    "run_computation",
    "save_workday",
    "send_task_reminders",
    "set_component_weights",
    "start_computation",
    "store_result_set",
    "submit_score",
    "update_scheme",
    "update_settings",
    "withdraw_appeal",
    "withdraw_conflict",
]
