from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govperf.core.forms import DateInput, PersonChoiceField, UnitChoiceField
from govperf.indicators.models import Indicator, Tag
from govperf.orgs.models import Person, Unit
from govperf.plans.models import Cycle, Decomposition, Goal, Plan, PlanItem


def indicator_choices():
    return (
        Indicator.objects.filter(is_active=True, current__isnull=False)
        .select_related("current")
        .order_by("code")
    )


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.current.name}"


class CycleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    period = forms.CharField(label=_("Period"), max_length=16, help_text=_("e.g. 2026"))
    status = forms.ChoiceField(label=_("Status"), choices=Cycle.Status.choices)


class GoalForm(forms.Form):
    title = forms.CharField(label=_("Goal title"), max_length=200)
    owner_unit = UnitChoiceField(label=_("Owner unit"), queryset=Unit.objects.none())
    level = forms.ChoiceField(label=_("Level"), choices=Goal.Level.choices)
    decomposition = forms.ChoiceField(
        label=_("Decomposed from the parent"),
        choices=[("", "—"), *Decomposition.choices],
        required=False,
    )
    start_period = forms.CharField(label=_("Start period"), max_length=16, help_text=_("e.g. 2026"))
    end_period = forms.CharField(
        label=_("End period"),
        max_length=16,
        required=False,
        help_text=_("e.g. 2028 for three years"),
    )
    indicator = IndicatorChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.none(), required=False
    )
    target_value = forms.DecimalField(
        label=_("Target value"), max_digits=20, decimal_places=6, required=False
    )
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=32, required=False)
    dimension = forms.ModelChoiceField(
        label=_("Dimension"), queryset=Tag.objects.none(), required=False
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    responsible = PersonChoiceField(
        label=_("Responsible person"), queryset=Person.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    completion_standard = forms.CharField(
        label=_("Completion standard"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    measures = forms.CharField(
        label=_("Measures and methods"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    sort_order = forms.IntegerField(label=_("Order"), initial=0, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, people=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicator_choices()
        self.fields["dimension"].queryset = Tag.objects.filter(parent__isnull=True).select_related(
            "taxonomy"
        )
        if units is not None:
            self.fields["owner_unit"].queryset = units
        if people is not None:
            self.fields["responsible"].queryset = people
        if editing:
            for name in ("owner_unit", "level", "decomposition"):
                self.fields[name].disabled = True
                self.fields[name].required = False


class TargetForm(forms.Form):
    indicator = IndicatorChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    unit = UnitChoiceField(label=_("Owner unit"), queryset=Unit.objects.none())
    period = forms.CharField(
        label=_("Period"), max_length=16, help_text=_("e.g. 2026, 2026Q1, 202603")
    )
    baseline = forms.DecimalField(
        label=_("Baseline"), max_digits=20, decimal_places=6, required=False
    )
    floor = forms.DecimalField(
        label=_("Floor (基本值)"), max_digits=20, decimal_places=6, required=False
    )
    target = forms.DecimalField(
        label=_("Target (目标值)"), max_digits=20, decimal_places=6, required=False
    )
    challenge = forms.DecimalField(
        label=_("Challenge (挑战值)"), max_digits=20, decimal_places=6, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    responsible = PersonChoiceField(
        label=_("Responsible person"), queryset=Person.objects.none(), required=False
    )
    basis = forms.CharField(
        label=_("Basis of the values (测算依据)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Published with the plan when it is opened for comment."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, people=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicator_choices()
        if units is not None:
            self.fields["unit"].queryset = units
        if people is not None:
            self.fields["responsible"].queryset = people
        if editing:
            for name in ("indicator", "unit", "period"):
                self.fields[name].disabled = True
                self.fields[name].required = False


class PlanCreateForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.none())
    measures = forms.CharField(
        label=_("Measures and methods (工作措施和方法)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        self.fields["cycle"].queryset = Cycle.objects.exclude(status=Cycle.Status.CLOSED)


class MeasuresForm(forms.Form):
    measures = forms.CharField(
        label=_("Measures and methods (工作措施和方法)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AddItemForm(forms.Form):
    indicator = IndicatorChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    period = forms.CharField(
        label=_("Period"), max_length=16, required=False, help_text=_("Empty: the cycle's period.")
    )
    weight = forms.DecimalField(label=_("Weight"), max_digits=20, decimal_places=6, initial=0)
    is_core = forms.BooleanField(label=_("Core KPI"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicator_choices()


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RevisionForm(forms.Form):
    reason_kind = forms.ChoiceField(label=_("Reason"), choices=Plan.RevisionReason.choices)
    reason = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    item = forms.ModelChoiceField(
        label=_("About the item"), queryset=PlanItem.objects.none(), required=False
    )

    def __init__(self, *args, plan: Plan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["item"].queryset = plan.items.select_related("target__indicator_version")
            self.fields["item"].label_from_instance = lambda i: i.target.indicator_version.name


class PublicCommentForm(CommentForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    contact = forms.CharField(
        label=_("Phone or e-mail (optional)"),
        max_length=100,
        required=False,
        help_text=_("Only the performance office sees it; it is never published."),
    )
    # A field people do not see (hidden by CSS); automated posters fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    field_order = ["name", "contact", "item", "body", "website"]


class ModerateForm(forms.Form):
    publish = forms.TypedChoiceField(
        choices=[("1", _("Publish")), ("0", _("Reject"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))
    adopted = forms.TypedChoiceField(
        label=_("Adopted?"),
        choices=[("1", _("Adopted")), ("0", _("Not adopted"))],
        coerce=lambda v: v == "1",
    )
    not_adopted_reason = forms.CharField(
        label=_("Why not adopted"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CommentWindowForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Open for comment until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    public = forms.BooleanField(label=_("Also open to the public"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
