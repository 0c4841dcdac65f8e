"""Template helpers of the page shell."""

from __future__ import annotations

from django import forms, template

register = template.Library()


def _css_class(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, (forms.CheckboxInput,)):
        base = "form-check-input"
    elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
        base = "form-select"
    else:
        base = "form-control"
    return f"{base} is-invalid" if field.errors else base


@register.inclusion_tag("core/field.html")
def field(bound: forms.BoundField, **attrs):
    """A Bootstrap form group: label, widget, help text and errors, accessible."""
    widget_attrs = {"class": _css_class(bound)}
    if bound.help_text:
        widget_attrs["aria-describedby"] = f"{bound.auto_id}_help"
    widget_attrs.update({k.replace("_", "-"): v for k, v in attrs.items()})
    return {
        "field": bound,
        "widget": bound.as_widget(attrs=widget_attrs),
        "is_check": isinstance(bound.field.widget, forms.CheckboxInput),
    }


@register.inclusion_tag("core/form_errors.html")
def form_errors(form: forms.Form):
    return {"form": form}
