"""Helpers shared by page forms."""

from __future__ import annotations

from django import forms
from django.contrib import messages

from govperf.core.errors import DomainError


def apply_errors(form: forms.Form, exc: DomainError) -> None:
    """Show a service's located errors on the form's own fields (others above the form)."""
    placed = False
    for detail in exc.details:
        if detail.field and detail.field in form.fields:
            form.add_error(detail.field, detail.message)
            placed = True
        else:
            form.add_error(None, detail.message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def flash_error(request, exc: DomainError, *, limit: int | None = None) -> None:
    """A refused step as messages on the next page: the reason, then each located detail."""
    messages.error(request, exc.message)
    for d in exc.details[:limit]:
        where = d.location
        messages.error(request, f"{where}: {d.message}" if where else d.message)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.username})"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
