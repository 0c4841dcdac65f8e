"""The demo city (示例市): loaded once by `govperf demo`, step by step.

Each capability adds its own step to ``STEPS``; a step runs once, in its own
transaction, through the same services a person would use, so the demo also
fills the audit log the way real use does.

Every demo account takes one password: ``GOVPERF_DEMO_PASSWORD`` when it is set,
otherwise one generated when the demo is loaded and kept in ``var/demo_password``
(readable by its owner only) so that `govperf run` can print it with the logins.
"""

from __future__ import annotations

import importlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from govperf.audit import context
from govperf.demo.models import DemoStep

PASSWORD_ENV = "GOVPERF_DEMO_PASSWORD"  # noqa: S105  (a variable name, not a password)
PASSWORD_FILE = "demo_password"  # noqa: S105  (a file name under var/)
# No look-alike characters (0/O, 1/l/I), so that a printed password can be typed back.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str = ""


# Who to sign in as, printed by `govperf demo` and `govperf run`.
DEMO_LOGINS = [
    DemoLogin("admin", "系统管理员 system administrator", "2FA"),
    DemoLogin("auditor", "安全审计员 security auditor", "2FA"),
    DemoLogin("office", "市绩效办主任 performance office", "2FA"),
    DemoLogin("leader", "常务副市长 leader", "2FA"),
    DemoLogin("coordinator", "市发展和改革委员会绩效联络员 unit coordinator"),
    DemoLogin("staff", "市发展和改革委员会办公室科员 staff"),
    DemoLogin("evaluator", "市发展和改革委员会互评评委 evaluator"),
    DemoLogin("thirdparty", "第三方评估专家 third-party evaluator"),
]
# Every department has <code>.leader, <code>.coord and <code>.staff as well (jyj.leader, ...).


def _password_path() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE


def throwaway_password() -> str:
    """A random password that meets any sensible policy: 16 characters of three classes."""
    pick = secrets.SystemRandom()
    chars = [pick.choice(_UPPER) for _i in range(4)] + [pick.choice(_DIGITS) for _i in range(4)]
    chars += [pick.choice(_LOWER) for _i in range(8)]
    pick.shuffle(chars)
    return "".join(chars)


def demo_password(*, create: bool = False) -> str | None:
    """The demo accounts' password: ``GOVPERF_DEMO_PASSWORD``, else the one generated at load.

    With ``create``, a password is generated and kept in ``var/demo_password`` when there
    is none yet; otherwise None means it is not known here.
    """
    given = os.environ.get(PASSWORD_ENV, "")
    if given:
        return given
    path = _password_path()
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except OSError:
        kept = ""
    if kept or not create:
        return kept or None
    generated = "-".join(throwaway_password()[i : i + 4] for i in range(0, 16, 4))
    path.write_text(generated + "\n", encoding="utf-8")
    path.chmod(0o600)
    return generated


def apply_given_password() -> int:
    """Give ``GOVPERF_DEMO_PASSWORD`` to the demo accounts of a demo loaded with another one.

    Only accounts that still share the demo password (nobody changed theirs) move; returns
    how many did. Nothing happens when the variable is unset or already in force.
    """
    from govperf.audit.services import record
    from govperf.orgs.models import Person

    given = os.environ.get(PASSWORD_ENV, "")
    if not given:
        return 0
    # The demo password is the hash most accounts share (they were all given one hash).
    shared = (
        Person.objects.values("password").annotate(n=Count("id")).order_by("-n", "password").first()
    )
    if shared is None or shared["n"] < 2 or check_password(given, shared["password"]):
        return 0
    with transaction.atomic():
        count = Person.objects.filter(password=shared["password"]).update(
            password=make_password(given),
            must_change_password=False,
            password_changed_at=timezone.now(),
        )
        record(
            action="demo.passwords",
            actor_label="demo",
            object_type="orgs.person",
            after={"accounts": count, "from": PASSWORD_ENV},
        )
    return count


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
        if "organisation" in done and apply_given_password():
            out(f"demo: the demo accounts now take the password in {PASSWORD_ENV}")
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
    password = demo_password()
    shown = password or f"unknown here: set {PASSWORD_ENV} and run `govperf demo` to reset it"
    lines = [f"Demo logins (password {shown}; 2FA = set up an authenticator app at first sign-in):"]
    lines += [
        f"  {login.username:<12} {login.role}{'  [2FA]' if login.note else ''}"
        for login in DEMO_LOGINS
    ]
    return "\n".join(lines)
