"""Page forms of the evaluation app: they check types; the services check the rules."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govperf.core.forms import DateInput, PersonChoiceField, UnitChoiceField
from govperf.evaluation.models import Adjustment, Appeal, Scheme, SchemeVersion
from govperf.orgs.models import Person, Unit
from govperf.plans.models import Cycle


class UnitsField(forms.ModelMultipleChoiceField):
    label_from_instance = UnitChoiceField.label_from_instance  # "name (code)", as one unit


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.scheme.name} · v{obj.number}"


class JsonField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 24, "class": "font-monospace", "spellcheck": "false"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)s, column %(col)s): %(msg)s"),
                params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            ) from exc


class SchemeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    definition = JsonField(
        label=_("Definition (JSON)"),
        help_text=_("The scheme object of the case-file format, with labels and sources."),
    )


class SchemeEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    definition = JsonField(label=_("Definition (JSON)"))
    change_note = forms.CharField(label=_("What changed"), max_length=200, required=False)


class AhpForm(forms.Form):
    target = forms.CharField(widget=forms.HiddenInput, required=False)
    matrix = forms.CharField(
        label=_("Pairwise comparison matrix"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
        help_text=_("One row per line, in the order listed; numbers or fractions such as 1/3."),
    )


class ExpertForm(forms.Form):
    target = forms.CharField(widget=forms.HiddenInput, required=False)
    vectors = forms.CharField(
        label=_("Experts' weights"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text=_("One expert per line, one weight per item in the order listed."),
    )


class SensitivityForm(forms.Form):
    result_set = forms.ModelChoiceField(label=_("Results"), queryset=None)
    spread = forms.IntegerField(
        label=_("Weights move by up to ± (%)"), min_value=1, max_value=90, initial=10
    )

    def __init__(self, *args, sets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result_set"].queryset = sets
        self.fields["result_set"].label_from_instance = lambda rs: f"{rs.round.name} · v{rs.number}"


class RoundForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.all())
    period = forms.CharField(label=_("Period"), max_length=16, help_text=_("e.g. 2026"))
    scheme_version = VersionChoiceField(label=_("Scheme"), queryset=SchemeVersion.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    units = UnitsField(
        label=_("Units evaluated"),
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    deadline = forms.DateField(label=_("Scoring deadline"), widget=DateInput())
    peers_per_unit = forms.IntegerField(
        label=_("Peers per unit"), min_value=0, max_value=20, initial=3
    )
    experts_per_unit = forms.IntegerField(
        label=_("Experts per unit"),
        min_value=0,
        max_value=50,
        initial=2,
        help_text=_("0: every expert scores every unit."),
    )
    seed = forms.IntegerField(
        label=_("Draw seed"),
        required=False,
        min_value=0,
        help_text=_("Empty: a random seed, recorded with the round."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()
        self.fields["scheme_version"].queryset = SchemeVersion.objects.filter(
            pk__in=Scheme.objects.exclude(current=None).values("current")
        ).select_related("scheme")


class ScoreForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    level = forms.ChoiceField(label=pgettext_lazy("rubric", "Level"), required=False)
    score = forms.DecimalField(
        label=_("Score (0–100)"), max_digits=6, decimal_places=2, required=False
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required for extreme scores."),
    )

    def __init__(self, *args, levels=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        if levels:
            self.fields["level"].choices = [("", "—"), *[(lv["name"], lv["name"]) for lv in levels]]
        else:
            del self.fields["level"]
        if items:
            del self.fields["score"]
        self.item_codes = []
        for item in items:
            code = item["code"]
            self.item_codes.append(code)
            self.fields[f"level__{code}"] = forms.ChoiceField(
                label=pgettext_lazy("rubric", "Level"),
                choices=[("", "—"), *[(name, name) for name in item["levels"]]],
                required=False,
            )
            self.fields[f"pct__{code}"] = forms.DecimalField(
                label=_("Share of the weight (0–1)"),
                max_digits=6,
                decimal_places=4,
                required=False,
            )

    def items(self) -> dict:
        data = self.cleaned_data
        out = {}
        for code in self.item_codes:
            level = data.get(f"level__{code}")
            pct = data.get(f"pct__{code}")
            if level or pct is not None:
                out[code] = {"level": level, "pct": pct}
        return out


class ConflictForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.filter(is_active=True))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class AssignForm(forms.Form):
    evaluator = PersonChoiceField(label=_("Evaluator"), queryset=Person.objects.none())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from govperf.orgs.policy import GRANTS, Action

        roles = [role for role, grants in GRANTS.items() if Action.SCORE in grants]
        self.fields["evaluator"].queryset = (
            Person.objects.filter(is_active=True, memberships__role__in=roles)
            .distinct()
            .order_by("username")
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("Columns: unit, code, value, level, position, note (.xlsx or .csv)."),
    )


class AdjustmentForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(
        label=pgettext_lazy("adjustment", "Kind"), choices=Adjustment.Kind.choices
    )
    points = forms.DecimalField(label=_("Points"), max_digits=6, decimal_places=2, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class AppealForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("Grounds"), widget=forms.Textarea(attrs={"rows": 4}))
    requested_change = forms.CharField(
        label=_("Change asked for"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Appeal.Status.UPHELD, Appeal.Status.UPHELD.label),
            (Appeal.Status.PARTLY_UPHELD, Appeal.Status.PARTLY_UPHELD.label),
            (Appeal.Status.REJECTED, Appeal.Status.REJECTED.label),
        ],
    )
    decision = forms.CharField(
        label=_("Decision and reasons"), widget=forms.Textarea(attrs={"rows": 4})
    )
    recompute = forms.BooleanField(
        label=_("Recompute the results (after correcting the inputs)"), required=False
    )


class SettingsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    appeal_days = forms.IntegerField(
        label=_("Appeal window (working days)"), min_value=0, max_value=60
    )
    decision_days = forms.IntegerField(
        label=_("Decision deadline (working days)"), min_value=0, max_value=60
    )
    comment_at_or_above = forms.DecimalField(
        label=_("Comment required at or above"), max_digits=5, decimal_places=2
    )
    comment_below = forms.DecimalField(
        label=_("Comment required below"), max_digits=5, decimal_places=2
    )
    reminder_days = forms.IntegerField(
        label=_("Remind this many days before a deadline"), min_value=0, max_value=60
    )
    value_statuses = forms.CharField(
        label=_("Data values used"),
        max_length=64,
        help_text=_("Statuses, comma-separated: draft, submitted, approved, locked."),
    )


class WorkdayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    is_workday = forms.TypedChoiceField(
        label=_("The day is"),
        choices=[("0", _("a day off")), ("1", _("a working day"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=100, required=False)
