from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from govperf.core.schemas import InputSchema


class MembershipBrief(Schema):
    unit_id: int
    unit_code: str = Field(alias="unit.code")
    unit_name: str = Field(alias="unit.name")
    role: str
    title: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    roles: list[str]
    memberships: list[MembershipBrief]
    token_id: str | None = None


class TokenIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    can_write: StrictBool = False
    units: list[str] = Field(
        default_factory=list, description="Unit codes; empty for all of the owner's units."
    )
    expires_in_days: StrictInt = Field(90, ge=1, le=3650)
    owner: str | None = Field(
        None, description="Username of the owner; only administrators may name someone else."
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    owner: str = Field(alias="owner.username")
    can_write: bool
    units: list[str]
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_units(obj) -> list[str]:
        return [u.code for u in obj.units.all()]


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="The token to send as 'Authorization: Bearer …'. Shown once.")
