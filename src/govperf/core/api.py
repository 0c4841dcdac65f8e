"""What every API router shares: authentication and the mapping of errors to the one error body.

Every failure answers ``{"code", "message", "details": [{field | row/column, message}]}``.
"""

import logging

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from govperf.core.errors import DomainError, Forbidden
from govperf.core.middleware import record_refusal

log = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer gp_<id>_<secret>``: acts as the token's owner, narrowed by the token."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        from govperf.accounts.services import authenticate_token

        api_token = authenticate_token(token)
        if api_token is None:
            return None
        owner = api_token.owner
        owner.api_token = api_token  # read by orgs.policy to narrow every grant
        request.user = owner
        return owner


class SessionAuthVerified(SessionAuth):
    """The browser session, once the security gate (password, second factor) is passed."""

    def __call__(self, request: HttpRequest):
        # Not signed in: this is not session auth, so no CSRF check (ninja's cookie scheme would
        # refuse a token-authenticated write for lack of one); TokenAuth is tried next.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user is None:
            return None
        from govperf.accounts.middleware import gate_for

        return None if gate_for(request) else user


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every failure to the one error body, in one place."""

    def _error(request: HttpRequest, status: int, code: str, message: str, details=None):
        return api.create_response(
            request, {"code": code, "message": message, "details": details or []}, status=status
        )

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError):
        if isinstance(exc, Forbidden):
            record_refusal(request.user, exc)
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request: HttpRequest, exc: NinjaValidationError):
        details = []
        for err in exc.errors:
            loc = [
                str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")
            ]
            details.append({"field": ".".join(loc) or None, "message": err.get("msg", "")})
        return _error(request, 422, "invalid", _("The request is not valid."), details)

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError):
        return _error(request, 401, "unauthenticated", _("Sign in, or send a valid API token."))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError):
        return _error(request, exc.status_code, "error", str(exc))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404):
        return _error(request, 404, "not_found", _("Not found."))

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception):
        log.exception("API error on %s %s", request.method, request.path)
        return _error(
            request, 500, "server_error", _("An unexpected error occurred; it has been logged.")
        )
