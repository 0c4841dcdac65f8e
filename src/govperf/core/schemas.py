"""Schemas every API router shares: the one error body."""

from __future__ import annotations

from ninja import Schema


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
