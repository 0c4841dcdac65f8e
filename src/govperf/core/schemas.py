"""Schemas every API router shares: the one error body."""

from __future__ import annotations

import enum
from typing import Any

from ninja import Schema
from pydantic import BaseModel, model_validator


class ErrorDetailOut(Schema):
    message: str
    field: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None


class ErrorOut(Schema):
    code: str
    message: str
    details: list[ErrorDetailOut] = []


# Declared on every operation, so that the OpenAPI document lists every answer it can give.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class InputSchema(Schema):
    """Base of request bodies: an object, nothing else.

    ninja's schemas read attributes (``from_attributes``), so a JSON array would
    otherwise pass as an object with every field at its default. Body fields that
    are numbers or flags use ``StrictInt``/``StrictBool`` so that ``false`` is not 0.
    """

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja hands validators its attribute-access wrapper; the parsed JSON is inside it.
        if not isinstance(getattr(data, "_obj", data), (dict, BaseModel)):
            raise ValueError("expected a JSON object")
        return data


def api_enum(choices: type[enum.Enum], name: str) -> type[enum.StrEnum]:
    """A copy of a model's choices under a name of its own, for the OpenAPI document.

    Components are named after classes, and every model has a ``Status``; the API
    uses ``PlanStatus``, ``RoundStatus``, ... instead (tests/api/test_openapi_names.py).
    """
    return enum.StrEnum(name, {member.name: member.value for member in choices})
