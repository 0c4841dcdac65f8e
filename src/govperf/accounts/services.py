"""Account security: logins, passwords, second factor, lock-outs and API tokens.

Each function is one step, in one transaction, with its audit entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from govperf.accounts.models import ApiToken
from govperf.audit.models import AuditEntry
from govperf.audit.services import record, snapshot
from govperf.core.errors import ErrorDetail, Forbidden, NotFound, ValidationFailed
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit, child_path

TOKEN_PREFIX = "gp"  # noqa: S105  (a label, not a secret)


# --- logins -------------------------------------------------------------------


LOGIN_OUTCOMES = {
    "ok": AuditEntry.Result.OK,
    "failed": AuditEntry.Result.FAILED,
    # Refused without checking the password: the account is locked.
    "locked": AuditEntry.Result.DENIED,
    # This failure reached the limit: the account is locked from now on.
    "lockout": AuditEntry.Result.DENIED,
    "otp_ok": AuditEntry.Result.OK,
    "otp_failed": AuditEntry.Result.FAILED,
}


def record_login(*, username: str, person: Person | None, outcome: str) -> None:
    """One audit entry per login attempt (and one when an account gets locked)."""
    result = LOGIN_OUTCOMES[outcome]
    record(
        action=f"login.{outcome}",
        actor=person,
        actor_label=username,
        object_type="orgs.person",
        object_id=person.pk if person else "",
        object_repr=username,
        result=result,
    )


def otp_required(person: Person) -> bool:
    wanted = set(settings.OTP_REQUIRED_ROLES)
    return any(str(role) in wanted for role in policy.roles(person))


def confirmed_totp_device(person: Person) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=person, confirmed=True).first()


def start_totp_enrolment(*, person: Person) -> TOTPDevice:
    """An unconfirmed device whose secret the enrolment page shows; replaces an earlier unconfirmed one."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=person, confirmed=False).delete()
        return TOTPDevice.objects.create(user=person, name=_("Authenticator app"), confirmed=False)


def confirm_totp_enrolment(*, person: Person, device: TOTPDevice, token: str) -> bool:
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=person)
        if not device.verify_token(token.strip()):
            record(
                action="otp.enrol_failed", actor=person, obj=person, result=AuditEntry.Result.FAILED
            )
            return False
        TOTPDevice.objects.filter(user=person, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(action="otp.enrolled", actor=person, obj=person)
        return True


def reset_totp(*, actor: Person, person: Person) -> None:
    """An administrator clears a lost second factor; the person enrols again at next login."""
    policy.require(actor, policy.Action.MANAGE_PEOPLE)
    with transaction.atomic():
        count, _detail = TOTPDevice.objects.filter(user=person).delete()
        record(action="otp.reset", actor=actor, obj=person, after={"devices_removed": count})


# --- passwords ----------------------------------------------------------------


def _validate_password(password: str, person: Person, field: str) -> None:
    try:
        password_validation.validate_password(password, person)
    except ValidationError as exc:
        raise ValidationFailed(
            _("The password does not meet the password policy."),
            [ErrorDetail(field=field, message=str(m)) for m in exc.messages],
        ) from exc


def change_own_password(*, person: Person, old_password: str, new_password: str) -> None:
    if not person.check_password(old_password):
        raise ValidationFailed(
            _("The current password is wrong."),
            [ErrorDetail(field="old_password", message=_("The current password is wrong."))],
        )
    if old_password == new_password:
        raise ValidationFailed(
            _("The new password must differ from the current one."),
            [
                ErrorDetail(
                    field="new_password",
                    message=_("The new password must differ from the current one."),
                )
            ],
        )
    _validate_password(new_password, person, "new_password")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        person.set_password(new_password)
        person.password_changed_at = timezone.now()
        person.must_change_password = False
        person.version += 1
        person.save(
            update_fields=["password", "password_changed_at", "must_change_password", "version"]
        )
        record(action="password.changed", actor=person, obj=person)


def set_password(*, actor: Person, person: Person, new_password: str) -> None:
    """An administrator sets a password; its owner must change it at the next login."""
    policy.require(actor, policy.Action.MANAGE_PEOPLE)
    _validate_password(new_password, person, "password")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        person.set_password(new_password)
        person.password_changed_at = timezone.now()
        person.must_change_password = True
        person.version += 1
        person.save(
            update_fields=["password", "password_changed_at", "must_change_password", "version"]
        )
        record(action="password.set_by_admin", actor=actor, obj=person)


def unlock(*, actor: Person, person: Person) -> int:
    """Lift a lock-out before its cool-off ends."""
    from axes.utils import reset

    policy.require(actor, policy.Action.MANAGE_PEOPLE)
    with transaction.atomic():
        removed = reset(username=person.username)
        record(
            action="login.unlocked", actor=actor, obj=person, after={"attempts_cleared": removed}
        )
    return removed


# --- API tokens ---------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough (no brute force is possible).
    return hashlib.sha256(secret.encode()).hexdigest()


TOKEN_FIELDS = ("name", "prefix", "can_write", "expires_at", "revoked_at", "owner")


def _token_state(token: ApiToken) -> dict:
    state = snapshot(token, TOKEN_FIELDS)
    state["units"] = sorted(u.code for u in token.units.all())
    return state


def create_token(
    *,
    actor: Person,
    owner: Person,
    name: str,
    can_write: bool,
    units: list[Unit],
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is never shown again."""
    if getattr(actor, "api_token", None) is not None:
        # Otherwise a read-only or unit-scoped token could mint a broader one for its owner.
        raise Forbidden(
            _("API tokens are created in the browser, not with another API token."),
            action="create_token",
        )
    if owner.pk != actor.pk:
        policy.require(actor, policy.Action.MANAGE_TOKENS)
    details: list[ErrorDetail] = []
    name = (name or "").strip()
    if not name:
        details.append(ErrorDetail(field="name", message=_("A name is required.")))
    now = timezone.now()
    max_expiry = now + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS)
    expires_at = expires_at or now + dt.timedelta(days=90)
    if expires_at <= now or expires_at > max_expiry:
        details.append(
            ErrorDetail(
                field="expires_at",
                message=_("The expiry must be in the future and within %(days)d days.")
                % {"days": settings.API_TOKEN_MAX_DAYS},
            )
        )
    for unit in units:
        if not policy.can_see(owner, unit):
            details.append(
                ErrorDetail(
                    field="units",
                    message=_("The owner has no access to unit %(code)s.") % {"code": unit.code},
                )
            )
    if details:
        raise ValidationFailed(_("The token could not be created."), details)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            owner=owner,
            name=name[:100],
            prefix=secrets.token_hex(6),
            key_hash=_hash_secret(secret),
            can_write=can_write,
            expires_at=expires_at,
            created_by=actor,
        )
        token.units.set(units)
        record(action="token.create", actor=actor, obj=token, after=_token_state(token))
    return token, f"{TOKEN_PREFIX}_{token.prefix}_{secret}"


def revoke_token(*, actor: Person, token: ApiToken) -> ApiToken:
    if token.owner_id != actor.pk and not policy.can(actor, policy.Action.MANAGE_TOKENS):
        raise NotFound(_("Token not found."))
    acting_token = getattr(actor, "api_token", None)
    if acting_token is not None and not acting_token.can_write:
        raise Forbidden(
            _("A read-only API token cannot revoke tokens."),
            action="revoke_token",
            target=f"accounts.apitoken:{token.pk}",
        )
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        before = _token_state(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            action="token.revoke", actor=actor, obj=token, before=before, after=_token_state(token)
        )
    return token


def authenticate_token(raw: str) -> ApiToken | None:
    """The usable token for a presented secret, or None (and an audit entry for the failure)."""
    parts = (raw or "").strip().split("_", 2)
    token = None
    if len(parts) == 3 and parts[0] == TOKEN_PREFIX:
        token = ApiToken.objects.select_related("owner").filter(prefix=parts[1]).first()
    ok = (
        token is not None
        and hmac.compare_digest(token.key_hash, _hash_secret(parts[2]))
        and token.is_usable
        and token.owner.is_active
    )
    if not ok:
        record(
            action="login.token_failed",
            actor_label=(parts[1] if len(parts) == 3 else "")[:32],
            object_type="accounts.apitoken",
            object_id=token.pk if token else "",
            result=AuditEntry.Result.FAILED,
        )
        return None
    # Touch at most once a minute: a busy integration should not write on every request.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def tokens_visible_to(actor: Person):
    qs = ApiToken.objects.select_related("owner").prefetch_related("units")
    if policy.can(actor, policy.Action.MANAGE_TOKENS):
        return qs
    return qs.filter(owner=actor)


# --- bootstrap --------------------------------------------------------------------


def bootstrap_admin(
    *,
    username: str,
    name: str,
    password: str,
    unit: Unit | None = None,
    root_code: str = "root",
    root_name: str = "",
) -> Person:
    """The first system administrator, from the command line (whoever runs it owns the server).

    Creates a top-level unit when there is none yet. Not reachable from the web.
    """
    from govperf.orgs.roles import UnitKind
    from govperf.orgs.services import USERNAME_RE

    details = []
    if not USERNAME_RE.match(username or ""):
        details.append(
            ErrorDetail(field="username", value=username, message=_("Invalid username."))
        )
    elif Person.objects.filter(username__iexact=username).exists():
        details.append(
            ErrorDetail(field="username", value=username, message=_("This username is taken."))
        )
    if not (name or "").strip():
        details.append(ErrorDetail(field="name", message=pgettext("person", "A name is required.")))
    if not details:
        try:
            password_validation.validate_password(password, Person(username=username, name=name))
        except ValidationError as exc:
            details += [ErrorDetail(field="password", message=str(m)) for m in exc.messages]
    if details:
        raise ValidationFailed(_("The administrator could not be created."), details)
    with transaction.atomic():
        if unit is None:
            unit = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
        if unit is None:
            unit = Unit.objects.create(
                code=root_code, name=root_name or _("Government"), kind=UnitKind.CITY, path=""
            )
            unit.path = child_path("/", unit.pk)
            unit.save(update_fields=["path"])
            record(action="unit.create", actor_label="system", obj=unit, after=snapshot(unit))
        person = Person(
            username=username,
            name=name.strip(),
            must_change_password=False,
            password_changed_at=timezone.now(),
        )
        person.set_password(password)
        person.save()
        membership = person.memberships.create(unit=unit, role="system_admin")
        record(
            action="person.create",
            actor_label="system",
            obj=person,
            after=snapshot(person, ("username", "name")),
        )
        record(
            action="membership.create",
            actor_label="system",
            obj=membership,
            after=snapshot(membership),
        )
    return person
