"""The demo city (示范市): loaded once by `govperf demo`, step by step.

Each capability adds its own step to ``STEPS``; a step runs once, in its own
transaction, through the same services a person would use, so the demo also
fills the audit log the way real use does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from govperf.audit import context
from govperf.demo.models import DemoStep

DEMO_PASSWORD = "Demo@2026"  # noqa: S105  (the published demo password)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str = ""


# Who to sign in as, printed by `govperf demo` and `govperf run`.
DEMO_LOGINS = [
    DemoLogin("admin", "系统管理员 system administrator", "2FA"),
    DemoLogin("auditor", "安全审计员 security auditor", "2FA"),
    DemoLogin("office", "市绩效办 performance office", "2FA"),
    DemoLogin("mayor", "市长 leader", "2FA"),
    DemoLogin("jyj.leader", "教育局局长 unit leader"),
    DemoLogin("jyj.coord", "教育局绩效联络员 unit coordinator"),
    DemoLogin("jyj.staff", "教育局科员 staff"),
    DemoLogin("expert", "第三方评估专家 third-party evaluator"),
]


def _step(target: str) -> Callable[[Callable[[str], None]], None]:
    """A step by dotted path ("module:function"), imported only when it runs."""

    def run(out: Callable[[str], None]) -> None:
        module, func = target.split(":")
        getattr(importlib.import_module(module), func)(out)

    return run


STEPS: list[tuple[str, Callable[[Callable[[str], None]], None]]] = [
    ("organisation", _step("govperf.demo.organisation:load_organisation")),
    ("indicators", _step("govperf.demo.indicator_library:load")),
    ("plans", _step("govperf.demo.plan_city:load")),
    ("data", _step("govperf.demo.data_city:load")),
    ("evaluation", _step("govperf.demo.evaluation_city:load")),
]


def load_demo(out: Callable[[str], None] = print) -> list[str]:
    """Run every step not loaded yet; returns the names of the steps it ran."""
    done = set(DemoStep.objects.values_list("name", flat=True))
    ran = []
    with context.using(context.AuditContext(via="cli")):
        for name, step in STEPS:
            if name in done:
                continue
            out(f"demo: loading {name} …")
            with transaction.atomic():
                step(out)
                DemoStep.objects.create(name=name)
            ran.append(name)
    return ran


def demo_logins_text() -> str:
    if not DemoStep.objects.filter(name="organisation").exists():
        return ""
    lines = [
        f"Demo logins (password {DEMO_PASSWORD}; 2FA = set up an authenticator app at first sign-in):"
    ]
    lines += [
        f"  {login.username:<12} {login.role}{'  [2FA]' if login.note else ''}"
        for login in DEMO_LOGINS
    ]
    return "\n".join(lines)
