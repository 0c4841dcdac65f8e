from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from govperf.indicators.models import IndicatorVersion, Rubric, Tag
from govperf.indicators.services import Definition
from govperf.orgs.models import Unit

V = IndicatorVersion


class IndicatorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_(
            "Letters, digits, '.', '_' or '-'; formulas refer to it as #{CODE}. Cannot be changed later."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    definition = forms.CharField(
        label=_("Definition"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit_of_measure = forms.CharField(
        label=_("Unit of measure"), max_length=32, required=False, help_text=_("%, 件, 天, 元 …")
    )
    caliber = forms.CharField(
        label=_("Statistical caliber"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What is counted and what is not (统计口径)."),
    )
    formula = forms.CharField(
        label=_("Formula"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_(
            "Optional. Other indicators as #{CODE}, #{CODE@prev} or #{CODE@lastyear}; + - * / and sum, avg, min, max, abs, round, if."
        ),
    )
    data_source = forms.CharField(label=_("Data source"), max_length=200, required=False)
    collecting_unit = forms.ModelChoiceField(
        label=_("Collecting unit"), queryset=Unit.objects.none(), required=False
    )
    frequency = forms.ChoiceField(label=_("Frequency"), choices=V.Frequency.choices)
    time_aggregation = forms.ChoiceField(
        label=_("Time aggregation"),
        choices=V.Aggregation.choices,
        help_text=_("How the periods of a year add up: sum, average or the last value."),
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=V.Direction.choices)
    band_low = forms.DecimalField(
        label=_("Band low"),
        required=False,
        max_digits=20,
        decimal_places=6,
        help_text=_("Band limits only for the direction “within a band”."),
    )
    band_high = forms.DecimalField(
        label=_("Band high"), required=False, max_digits=20, decimal_places=6
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=V.Kind.choices)
    rubric = forms.ModelChoiceField(
        label=_("Rubric"),
        queryset=Rubric.objects.all(),
        required=False,
        help_text=_("Qualitative indicators only: the graded levels they are scored by."),
    )
    horizon = forms.ChoiceField(label=_("Horizon"), choices=V.Horizon.choices)
    decimals = forms.IntegerField(label=_("Decimals"), min_value=0, max_value=6, initial=2)
    origin = forms.CharField(
        label=_("Origin"),
        max_length=200,
        required=False,
        help_text=_("Where the indicator was adopted from, if not defined here."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Tag.objects.select_related("taxonomy"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    change_note = forms.CharField(
        label=_("Change note"),
        max_length=200,
        required=False,
        help_text=_("Why it changed; shown in the version history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collecting_unit"].queryset = Unit.objects.filter(is_active=True).order_by(
            "path"
        )
        self.fields["collecting_unit"].label_from_instance = lambda u: f"{u.name} ({u.code})"
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = ""

    def to_definition(self) -> Definition:
        data = self.cleaned_data
        return Definition(
            name=data["name"],
            definition=data["definition"],
            unit_of_measure=data["unit_of_measure"],
            caliber=data["caliber"],
            formula=data["formula"],
            data_source=data["data_source"],
            collecting_unit=data["collecting_unit"],
            frequency=data["frequency"],
            time_aggregation=data["time_aggregation"],
            direction=data["direction"],
            band_low=data["band_low"],
            band_high=data["band_high"],
            kind=data["kind"],
            rubric=data["rubric"],
            horizon=data["horizon"],
            decimals=data["decimals"] if data["decimals"] is not None else 2,
            origin=data["origin"],
            tags=tuple(data["tags"]),
        )

    @staticmethod
    def initial_from(indicator) -> dict:
        v = indicator.current
        return {
            "code": indicator.code,
            **{f: getattr(v, f) for f in Definition.FIELDS},
            "tags": list(v.tags.all()),
            "version": indicator.version,
        }


class TaxonomyForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    sort_order = forms.IntegerField(label=_("Order"), initial=0)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True


class TagForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    parent = forms.ModelChoiceField(
        label=_("Parent category"),
        queryset=Tag.objects.none(),
        required=False,
        help_text=_("Leave empty for a top-level category."),
    )
    sort_order = forms.IntegerField(label=_("Order"), initial=0)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, taxonomy=None, tag=None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Tag.objects.filter(taxonomy=taxonomy, parent__isnull=True)
        if tag is not None:
            parents = parents.exclude(pk=tag.pk)
            self.fields["code"].disabled = True
        self.fields["parent"].queryset = parents


class RubricForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True


def _small(label, **attrs) -> dict:
    return {"class": "form-control form-control-sm", "aria-label": label, **attrs}


class LevelForm(forms.Form):
    name = forms.CharField(
        label=_("Level"), max_length=50, widget=forms.TextInput(attrs=_small(_("Level")))
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs=_small(_("Description"))),
    )
    min = forms.DecimalField(
        label=_("Score from"),
        min_value=0,
        max_value=1,
        decimal_places=4,
        widget=forms.NumberInput(attrs=_small(_("Score from"), step="0.01")),
    )
    max = forms.DecimalField(
        label=_("Score to"),
        min_value=0,
        max_value=1,
        decimal_places=4,
        widget=forms.NumberInput(attrs=_small(_("Score to"), step="0.01")),
    )


LevelFormSet = forms.formset_factory(LevelForm, extra=2, max_num=20, validate_max=True)


def levels_from(formset) -> list[dict]:
    """The filled-in rows of the levels formset, in their order."""
    return [
        {
            "name": f.cleaned_data["name"],
            "description": f.cleaned_data.get("description", ""),
            "min": f.cleaned_data["min"],
            "max": f.cleaned_data["max"],
        }
        for f in formset.forms
        if f.cleaned_data
    ]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
