"""API: the caller's own profile, and API tokens."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from govperf.accounts import services
from govperf.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut
from govperf.core.errors import NotFound
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS
from govperf.orgs import policy, selectors
from govperf.orgs.models import Person

router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The caller's profile and roles")
def me(request: HttpRequest):
    user = request.user
    token = getattr(user, "api_token", None)
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "roles": sorted(str(r) for r in policy.roles(user)),
        "memberships": list(selectors.memberships_of(user)),
        "token_id": token.prefix if token else None,
    }


@router.get(
    "/tokens", response={200: list[TokenOut], **ERRORS}, summary="API tokens the caller may see"
)
@paginate(Pagination)
def list_tokens(request: HttpRequest):
    return services.tokens_visible_to(request.user).order_by("-created_at", "-pk")


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS}, summary="Create an API token")
def create_token(request: HttpRequest, payload: TokenIn):
    actor = request.user
    owner = actor
    if payload.owner and payload.owner != actor.username:
        policy.require(actor, policy.Action.MANAGE_TOKENS)
        owner = Person.objects.filter(username__iexact=payload.owner).first()
        if owner is None:
            raise NotFound(_("Person not found."))
    units = [selectors.get_unit_by_code(owner, code) for code in dict.fromkeys(payload.units)]
    token, secret = services.create_token(
        actor=actor,
        owner=owner,
        name=payload.name,
        can_write=payload.can_write,
        units=units,
        expires_at=timezone.now() + dt.timedelta(days=payload.expires_in_days),
    )
    token.secret = secret
    return Status(201, token)


@router.post(
    "/tokens/{token_id}/revoke", response={200: TokenOut, **ERRORS}, summary="Revoke an API token"
)
def revoke_token(request: HttpRequest, token_id: int):
    token = services.tokens_visible_to(request.user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("Token not found."))
    return services.revoke_token(actor=request.user, token=token)
