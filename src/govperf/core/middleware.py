"""Request-wide concerns: the audit context and domain errors raised by page views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
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


def ApiErrorBodyMiddleware(get_response):
    """Give the API's one error body to what never reaches an API operation: a path that
    does not exist under /api/ (404) and a method an operation does not take (405)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.utils.translation import gettext as _

            if response.status_code == 404:
                code, message = "not_found", _("Not found.")
            else:
                code, message = "method_not_allowed", _("This method is not allowed here.")
            body = JsonResponse(
                {"code": code, "message": message, "details": []}, status=response.status_code
            )
            if response.has_header("Allow"):
                body["Allow"] = response["Allow"]
            return body
        return response

    return middleware


def RejectNulMiddleware(get_response):
    """Refuse a NUL character anywhere in the query or a text body.

    PostgreSQL cannot store it in text; caught here, it is one clear 400 instead
    of a database error deep inside whichever view received it.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            from django.utils.translation import gettext as _

            message = _("The request contains a NUL character, which is not allowed.")
            return JsonResponse({"code": "invalid", "message": message, "details": []}, status=400)
        return get_response(request)

    return middleware


def _has_nul(request: HttpRequest) -> bool:
    if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/"):
        # Parsed (files go to disk); only the text fields can carry it.
        return any("\x00" in value for _key, values in request.POST.lists() for value in values)
    body = request.body
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"%00" in body or b"\x00" in body
    return b"\x00" in body or b"\\u0000" in body


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
