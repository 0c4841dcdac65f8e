from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from govperf.core.schemas import InputSchema
from govperf.orgs.roles import Role, UnitKind

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{1,149}$"


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: UnitKind
    parent_id: int | None
    parent_code: str | None = None
    depth: int
    sort_order: int
    is_active: bool
    groups: list[str]
    version: int

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_groups(obj) -> list[str]:
        return [g.code for g in obj.groups.all()]


class UnitIn(InputSchema):
    code: str = Field(pattern=CODE, description="Letters, digits, '.', '_' or '-'.")
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind
    parent: str | None = Field(
        None, description="Code of the parent unit; none for a top-level unit."
    )
    sort_order: StrictInt = 0
    groups: list[str] = Field(default_factory=list, description="Codes of comparable groups.")


class UnitPatch(InputSchema):
    version: StrictInt = Field(
        description="The version you read; a newer one on the server is a conflict (409)."
    )
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: UnitKind | None = None
    sort_order: StrictInt | None = None
    groups: list[str] | None = None
    parent: str | None = Field(
        None, description="Code of a new parent: moves the unit with its subtree."
    )
    is_active: StrictBool | None = None


class UnitFilter(Schema):
    q: str = Field("", description="Part of the name or code.")
    kind: UnitKind | None = None
    group: str = ""
    parent: str = Field("", description="Only the direct children of this unit code.")
    active: bool | None = None


class GroupOut(Schema):
    id: int
    code: str
    name: str
    description: str
    version: int


class GroupIn(InputSchema):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100)
    description: str = ""


class PersonOut(Schema):
    id: int
    username: str
    name: str
    email: str
    phone: str
    employee_no: str
    is_active: bool
    last_login: dt.datetime | None
    version: int


class PersonIn(InputSchema):
    username: str = Field(pattern=USERNAME)
    name: str = Field(min_length=1, max_length=100)
    email: str = ""
    phone: str = Field("", max_length=32)
    employee_no: str = Field("", max_length=32)
    password: str | None = Field(
        None, description="Initial password; the person must change it at first sign-in."
    )


class PersonPatch(InputSchema):
    version: StrictInt
    name: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = None
    phone: str | None = Field(None, max_length=32)
    employee_no: str | None = Field(None, max_length=32)
    is_active: StrictBool | None = None


class PersonFilter(Schema):
    q: str = ""
    role: Role | None = None
    unit: str = Field("", description="Unit code: people of this unit and below.")
    active: bool | None = None


class MembershipOut(Schema):
    id: int
    person_id: int
    username: str = Field(alias="person.username")
    unit_id: int
    unit_code: str = Field(alias="unit.code")
    role: Role
    title: str


class MembershipIn(InputSchema):
    username: str
    unit: str = Field(description="Unit code.")
    role: Role
    title: str = Field("", max_length=100)


class InitialPassword(Schema):
    username: str
    password: str = Field(description="Shown once: the person must change it at first sign-in.")


class OrgImportOut(Schema):
    dry_run: bool
    rows: int
    create: int
    update: int
    unchanged: int
    initial_passwords: list[InitialPassword] = Field(
        default_factory=list, description="New accounts of a people import, shown only here."
    )
