"""The security gate: a signed-in person passes only with a current password and,
for privileged roles, a verified second factor."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from govperf.accounts.passwords import password_expired
from govperf.accounts.services import confirmed_totp_device, otp_required

# Pages a person may reach before passing the gate.
OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/otp/",
    "/accounts/password/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/jsi18n/",
)


def gate_for(request: HttpRequest) -> str | None:
    """The name of the step the session user still owes, or None when through."""
    user = request.user
    if not user.is_authenticated or getattr(user, "api_token", None) is not None:
        return None
    cached = getattr(request, "_security_gate", "unset")
    if cached != "unset":
        return cached
    step = None
    if password_expired(user):
        step = "password"
    elif otp_required(user) and not user.is_verified():
        step = "otp_verify" if confirmed_totp_device(user) else "otp_enrol"
    request._security_gate = step
    return step


STEP_URLS = {
    "password": "accounts:password_change",
    "otp_verify": "accounts:otp_verify",
    "otp_enrol": "accounts:otp_enrol",
}


def SecurityGateMiddleware(get_response):
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith(OPEN_PREFIXES):
            return get_response(request)
        step = gate_for(request)
        if step is None:
            return get_response(request)
        if request.path.startswith("/api/"):
            # API calls with a session get the step as an error; tokens never reach here.
            messages = {
                "password": _("Your password has expired; change it in the browser first."),
                "otp_verify": _("Confirm your second factor in the browser first."),
                "otp_enrol": _("Set up your second factor in the browser first."),
            }
            return JsonResponse(
                {"code": f"{step}_required", "message": messages[step], "details": []}, status=403
            )
        url = reverse(STEP_URLS[step])
        nxt = request.get_full_path()
        if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
            url = f"{url}?{urlencode({'next': nxt})}"
        return redirect(url)

    return middleware
