"""Domain errors: raised by services and selectors, turned into one error body.

Every failure the API returns has the shape
``{"code": ..., "message": ..., "details": [{"field"|"row"/"column": ..., "message": ...}]}``
and pages show the same message; the mapping to HTTP lives in one place
(``govperf.api`` for JSON, ``core.middleware`` for pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ErrorDetail:
    message: str
    field: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None

    @property
    def location(self) -> str:
        """Where the problem is, as a person reads it: "Row 3, column B (name)", or the field."""
        from django.utils.translation import gettext as _

        if self.row is not None and self.column:
            return _("Row %(row)s, column %(column)s") % {"row": self.row, "column": self.column}
        if self.row is not None:
            return _("Row %(row)s") % {"row": self.row}
        if self.column:
            return _("Column %(column)s") % {"column": self.column}
        return self.field or ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        for key in ("field", "row", "column", "value"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val if key != "value" else str(val)
        return out


@dataclass
class DomainError(Exception):
    """Base of every expected failure. ``message`` is already translated."""

    message: str
    details: list[ErrorDetail] = field(default_factory=list)
    code: str = "error"
    status: int = 400

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "details": [d.as_dict() for d in self.details],
        }


class ValidationFailed(DomainError):
    def __init__(
        self, message: str, details: list[ErrorDetail] | None = None, code: str = "invalid"
    ):
        super().__init__(message=message, details=details or [], code=code, status=422)


class NotFound(DomainError):
    def __init__(self, message: str, code: str = "not_found"):
        super().__init__(message=message, code=code, status=404)


class Forbidden(DomainError):
    def __init__(
        self, message: str, code: str = "forbidden", *, action: str = "", target: str = ""
    ):
        super().__init__(message=message, code=code, status=403)
        self.action = action
        self.target = target


class Conflict(DomainError):
    """A concurrent edit or a workflow state that no longer allows the step."""

    def __init__(
        self, message: str, code: str = "conflict", details: list[ErrorDetail] | None = None
    ):
        super().__init__(message=message, details=details or [], code=code, status=409)


class Unauthenticated(DomainError):
    def __init__(self, message: str, code: str = "unauthenticated"):
        super().__init__(message=message, code=code, status=401)


def field_error(field_name: str, message: str, *, value: Any = None) -> ValidationFailed:
    return ValidationFailed(message, [ErrorDetail(message=message, field=field_name, value=value)])
