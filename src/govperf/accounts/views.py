"""Sign-in, second factor, password change and API tokens, in the browser."""

from __future__ import annotations

import base64
import datetime as dt
import io

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, password_validation, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from govperf.accounts import services
from govperf.accounts.forms import LoginForm, OtpTokenForm, PasswordChangeForm, TokenForm
from govperf.accounts.middleware import STEP_URLS, gate_for
from govperf.accounts.passwords import password_expired
from govperf.core.errors import NotFound, ValidationFailed
from govperf.core.forms import apply_errors
from govperf.orgs import policy
from govperf.orgs.models import Person


def _next_url(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return reverse(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()
        # Asked before the attempt: a refusal of a locked account and the failure that
        # locks it are different entries.
        was_locked = AxesProxyHandler.is_locked(request, {"username": username})
        if form.is_valid():
            person = form.get_user()
            login(request, person)
            services.record_login(username=username, person=person, outcome="ok")
            return redirect(_after_login_step(request, person) or _next_url(request))
        known = Person.objects.filter(username__iexact=username).first()
        services.record_login(
            username=username, person=known, outcome="locked" if was_locked else "failed"
        )
        if not was_locked and getattr(request, "axes_locked_out", False):
            services.record_login(username=username, person=known, outcome="lockout")
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _after_login_step(request: HttpRequest, person: Person) -> str | None:
    nxt = request.POST.get("next") or ""
    suffix = (
        "?" + urlencode({"next": nxt})
        if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})
        else ""
    )
    if password_expired(person):
        return reverse("accounts:password_change") + suffix
    if services.otp_required(person):
        step = (
            "accounts:otp_verify"
            if services.confirmed_totp_device(person)
            else "accounts:otp_enrol"
        )
        return reverse(step) + suffix
    return None


def locked_out(
    request: HttpRequest, original_response=None, credentials=None, *args, **kwargs
) -> HttpResponse:
    """django-axes calls this when an account is locked: the login page with the reason.

    Its arguments are (request, original_response, credentials); axes retries with two
    arguments on any TypeError, so the signature must take all three.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-ins: this account is locked for %(minutes)d minutes. Ask an administrator to unlock it sooner."
    ) % {"minutes": minutes}
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked": True,
        "locked_message": message,
        "next": request.POST.get("next", ""),
    }
    return render(request, "accounts/login.html", context, status=403)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        from govperf.audit.services import record

        record(action="logout", actor=request.user, obj=request.user)
    logout(request)
    return redirect("accounts:login")


@login_required
@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    device = services.confirmed_totp_device(request.user)
    if device is None:
        return redirect("accounts:otp_enrol")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # After a wrong code django-otp refuses every code for a doubling delay; say so,
        # rather than calling a right code wrong.
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            services.record_login(
                username=request.user.username, person=request.user, outcome="otp_ok"
            )
            return redirect(_next_url(request))
        services.record_login(
            username=request.user.username, person=request.user, outcome="otp_failed"
        )
        form.add_error(
            "token",
            _("The code is wrong or has expired. Try the next one.")
            if allowed
            else _("Too many wrong codes: wait a few seconds, then enter the current code."),
        )
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
@never_cache
def otp_enrol(request: HttpRequest) -> HttpResponse:
    person = request.user
    if services.confirmed_totp_device(person) is not None and not request.user.is_verified():
        return redirect("accounts:otp_verify")
    device = TOTPDevice.objects.filter(user=person, confirmed=False).first()
    if device is None or (request.method == "GET" and request.GET.get("restart")):
        device = services.start_totp_enrolment(person=person)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_enrolment(
            person=person, device=device, token=form.cleaned_data["token"]
        ):
            device.refresh_from_db()
            otp_login(request, device)
            messages.success(request, _("Your second factor is set up."))
            return redirect(_next_url(request))
        form.add_error(
            "token", _("The code does not match. Check the clock of your phone and try again.")
        )
    # config_url already names the issuer (OTP_TOTP_ISSUER) in the label and parameters.
    uri = device.config_url
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=4, border=2
    )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "otpauth_uri": uri,
        "qr_svg": buffer.getvalue().decode(),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "accounts/otp_enrol.html", context)


@sensitive_post_parameters("old_password", "new_password", "new_password_again")
@login_required
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    # The page is open before the second factor only to change an expired password:
    # a stolen password alone must not be able to replace the owner's.
    step = gate_for(request)
    if step in ("otp_verify", "otp_enrol"):
        return redirect(STEP_URLS[step])
    form = PasswordChangeForm(request.POST or None)
    expired = password_expired(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(
                person=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            request.user.refresh_from_db()
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            step = _after_login_step(request, request.user)
            return redirect(step or _next_url(request))
    context = {
        "form": form,
        "expired": expired,
        "password_help": password_validation.password_validators_help_texts(),
    }
    return render(request, "accounts/password_change.html", context)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    person = request.user
    form = TokenForm(
        request.POST or None,
        units_queryset=policy.units(person).filter(is_active=True),
        max_days=settings.API_TOKEN_MAX_DAYS,
    )
    created_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, created_secret = services.create_token(
                actor=person,
                owner=person,
                name=form.cleaned_data["name"],
                can_write=form.cleaned_data["can_write"],
                units=list(form.cleaned_data["units"]),
                expires_at=timezone.now() + dt.timedelta(days=form.cleaned_data["expires_in_days"]),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            form = TokenForm(
                units_queryset=form.fields["units"].queryset, max_days=settings.API_TOKEN_MAX_DAYS
            )
    context = {
        "form": form,
        "tokens": services.tokens_visible_to(person)[:200],
        "created_secret": created_secret,
        "manages_all": policy.can(person, policy.Action.MANAGE_TOKENS),
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = services.tokens_visible_to(request.user).filter(pk=pk).first()
    if token is None:
        raise NotFound(_("Token not found."))
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
