"""Page forms of the data app (the entry grid is read field by field in its view)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govperf.data.models import ValidationRule
from govperf.data.validation import JUMP_COMPARE, OPERATORS


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LockForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        max_length=16,
        help_text=_("A year (2025), quarter (2026Q1) or month (202603)."),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=None,
        required=False,
        empty_label=_("Every unit"),
        help_text=_("A unit is locked with the units below it."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class CorrectionForm(forms.Form):
    new_value = forms.CharField(label=_("Corrected value"), max_length=40, required=False)
    new_level = forms.ChoiceField(label=_("Corrected level"), required=False, choices=())
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, levels: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if levels:
            self.fields["new_level"].choices = [("", "—"), *((lvl, lvl) for lvl in levels)]
            del self.fields["new_value"]
        else:
            del self.fields["new_level"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=(
            ("approve", _("Approve and apply")),
            # A context: "Reject" alone is translated for other apps' workflows.
            ("reject", pgettext_lazy("correction request", "Reject")),
        ),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPG, PNG, XLSX, DOCX or CSV."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class RuleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=pgettext_lazy("data", "Kind"), choices=ValidationRule.Kind.choices
    )
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=None)
    severity = forms.ChoiceField(label=_("Severity"), choices=ValidationRule.Severity.choices)
    min = forms.CharField(label=_("Minimum"), max_length=40, required=False)
    max = forms.CharField(label=_("Maximum"), max_length=40, required=False)
    left = forms.CharField(
        label=_("Left side"), max_length=500, required=False, help_text=_("e.g. #{SOC-011}")
    )
    op = forms.ChoiceField(
        label=_("Comparison"), required=False, choices=[("", "—"), *((o, o) for o in OPERATORS)]
    )
    right = forms.CharField(
        label=_("Right side"), max_length=500, required=False, help_text=_("e.g. #{SOC-012}")
    )
    compare = forms.ChoiceField(
        label=_("Compare with"),
        required=False,
        choices=[
            ("", "—"),
            *zip(
                JUMP_COMPARE,
                (_("the previous period"), _("the same period last year")),
                strict=True,
            ),
        ],
    )
    max_percent = forms.CharField(label=_("Largest change (%)"), max_length=20, required=False)
    message = forms.CharField(label=_("Message"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PARAMS = {
        "range": ("min", "max"),
        "required": (),
        "expression": ("left", "op", "right"),
        "jump": ("compare", "max_percent"),
    }

    def __init__(self, *args, indicators=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].label_from_instance = lambda i: str(i)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False

    def params(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            name: data.get(name, "")
            for name in self.PARAMS.get(data.get("kind", ""), ())
            if data.get(name, "") != ""
        }

    @classmethod
    def initial_for(cls, rule: ValidationRule) -> dict:
        return {
            "code": rule.code,
            "name": rule.name,
            "kind": rule.kind,
            "indicator": rule.indicator_id,
            "severity": rule.severity,
            "message": rule.message,
            "is_active": rule.is_active,
            "version": rule.version,
            **{k: v for k, v in (rule.params or {}).items()},
        }


class QualityRunForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), max_length=16, help_text=_("A year (2026), quarter or month.")
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, required=False, empty_label=_("Every unit")
    )
    due_days = forms.IntegerField(
        label=_("Due days"),
        min_value=0,
        max_value=366,
        help_text=_("A value is due this many days after its period ends."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
