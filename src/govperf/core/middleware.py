"""Request-wide concerns: the audit context and domain errors raised by page views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from govperf.audit import context as audit_context
from govperf.core.errors import DomainError, Forbidden


def AuditContextMiddleware(get_response):
    def middleware(request: HttpRequest) -> HttpResponse:
        via = "api" if request.path.startswith("/api/") else "web"
        with audit_context.using(
            audit_context.AuditContext(client_ip=audit_context.client_ip(request), via=via)
        ):
            return get_response(request)

    return middleware


class DomainErrorMiddleware:
    """Render a domain error raised by a page view; record refusals in the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, Forbidden):
            record_refusal(request.user, exception)
        template = (
            "core/error_fragment.html" if getattr(request, "htmx", False) else "core/error.html"
        )
        return render(request, template, {"error": exception}, status=exception.status)


def record_refusal(user, exc: Forbidden) -> None:
    # The refused work's transaction has rolled back by now; this entry stands alone.
    from govperf.audit.services import record_denied

    record_denied(actor=user, action=exc.action, target=exc.target, reason=str(exc.message))
