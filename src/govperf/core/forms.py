"""Helpers shared by page forms."""

from __future__ import annotations

from django import forms

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
