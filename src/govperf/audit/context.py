"""Who is acting, from where and through which channel, for the audit log.

Services receive the actor explicitly; the client address and channel are
facts of the request, so middleware (or the CLI, or a task) sets them here once.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    client_ip: str | None = None
    via: str = "system"  # web, api, cli, task, system


_DEFAULT = AuditContext()
_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "govperf_audit_context", default=None
)


def current() -> AuditContext:
    return _current.get() or _DEFAULT


@contextlib.contextmanager
def using(ctx: AuditContext) -> Iterator[AuditContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def client_ip(request) -> str | None:
    from django.conf import settings

    # X-Forwarded-For is client-controlled: trust only the entry our own proxy appended.
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:45] or None
    return request.META.get("REMOTE_ADDR") or None
