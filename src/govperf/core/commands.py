"""What the import/export commands share: reading the file, the acting account, checking
and applying an import, the one JSON document printed on failure (exit 1)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import CommandError

from govperf.core.errors import DomainError


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc


def find_account(username: str | None, *, default_role: str | None = None, missing: str = ""):
    """The active account named ``username``; without a name, the first active holder of
    ``default_role`` (by username), or a CommandError saying ``missing``."""
    from govperf.orgs.models import Person

    people = Person.objects.filter(is_active=True)
    if username:
        person = people.filter(username__iexact=username).first()
        if person is None:
            raise CommandError(f"no active account named {username!r}")
        return person
    person = (
        people.filter(memberships__role=default_role, memberships__unit__is_active=True)
        .order_by("username")
        .first()
        if default_role
        else None
    )
    if person is None:
        raise CommandError(missing or "name the account to act as")
    return person


def error_details(exc: DomainError) -> list[dict]:
    return exc.as_dict()["details"] or [{"message": str(exc.message)}]


def fail(stdout, errors: list[dict]) -> NoReturn:
    """Print ``{"errors": [...]}`` and exit 1."""
    stdout.write(json.dumps({"errors": errors}, ensure_ascii=False))
    sys.exit(1)


def check_and_apply(
    stdout, plan: Callable[[], Any], apply: Callable[[Any], Any], *, dry_run: bool
) -> tuple[Any, Any]:
    """An import as the pages and the API run it: ``plan()`` checks the file, and unless it
    is refused or ``dry_run``, ``apply(checked)`` writes it. A refusal prints the located
    errors and exits 1. Returns (the checked plan, what ``apply`` returned or None)."""
    with _cli_audit():
        try:
            checked = plan()
            applied = apply(checked) if checked.ok and not dry_run else None
        except DomainError as exc:
            fail(stdout, error_details(exc))
    if not checked.ok:
        fail(stdout, [d.as_dict() for d in checked.errors])
    return checked, applied


def import_and_report(
    stdout,
    plan_file: Callable[..., Any],
    apply: Callable[..., Any],
    *,
    actor,
    data: bytes,
    filename: str,
    dry_run: bool,
) -> None:
    """An import whose plan summarises itself: ``plan_file`` and ``apply`` (an app's
    importing functions) run through ``check_and_apply``, then the counts are printed as
    ``{"dry_run": …, …}`` — what applying returned, or the checked plan's summary."""
    plan, applied = check_and_apply(
        stdout,
        lambda: plan_file(actor=actor, data=data, filename=filename),
        lambda checked: apply(actor=actor, plan=checked, filename=filename),
        dry_run=dry_run,
    )
    summary = applied or plan.summary()
    stdout.write(json.dumps({"dry_run": dry_run, **summary}, ensure_ascii=False))


def _cli_audit():
    from govperf.audit import context

    return context.using(context.AuditContext(via="cli"))
