"""API: the audit log, read-only, for the security auditor."""

import datetime as dt
import re

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import StrictInt, field_validator

from govperf.audit import selectors
from govperf.audit.services import current_head
from govperf.audit.verify import verify_chain
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS, InputSchema
from govperf.orgs import policy
from govperf.orgs.policy import Action

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    seq: int
    created_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: str
    after: str
    result: str
    client_ip: str
    via: str
    prev_hash: str
    hash: str


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class AuditFilter(Schema):
    q: str = ""
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    result: str = ""
    since: dt.date | None = Field(None, description="YYYY-MM-DD")
    until: dt.date | None = Field(None, description="YYYY-MM-DD")

    @field_validator("since", "until", mode="before")
    @classmethod
    def iso_only(cls, value):
        # pydantic would also take a number of seconds since 1970; a date filter takes dates.
        if value is None:
            return None
        if not isinstance(value, str) or not re.match(ISO_DATE, value):
            raise ValueError("expected a date as YYYY-MM-DD")
        return value


class HeadOut(Schema):
    seq: int
    hash: str


class BrokenOut(Schema):
    seq: int | None
    id: int | None
    problem: str


class VerifyOut(Schema):
    ok: bool
    checked: int
    head: HeadOut
    first_broken: BrokenOut | None
    warnings: list[str]


class AnchorIn(InputSchema):
    seq: StrictInt = Field(ge=0)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class VerifyIn(InputSchema):
    anchor: AnchorIn | None = Field(
        None, description="A head exported earlier; detects a cut-off tail."
    )


@router.get(
    "/entries", response={200: list[AuditEntryOut], **ERRORS}, summary="Search the audit log"
)
@paginate(Pagination)
def list_entries(request: HttpRequest, filters: Query[AuditFilter]):
    return selectors.search(request.user, **filters.dict())


@router.get(
    "/head", response={200: HeadOut, **ERRORS}, summary="The newest entry's sequence and hash"
)
def head(request: HttpRequest):
    policy.require(request.user, Action.VIEW_AUDIT)
    return current_head().as_dict()


@router.post("/verify", response={200: VerifyOut, **ERRORS}, summary="Recompute the hash chain")
def verify(request: HttpRequest, payload: VerifyIn):
    policy.require(request.user, Action.VIEW_AUDIT)
    return verify_chain(anchor=payload.anchor.dict() if payload.anchor else None).as_dict()
