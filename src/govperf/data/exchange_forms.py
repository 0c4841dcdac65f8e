"""Forms of the data exchange pages: import, export, code mappings, connectors."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govperf.core.forms import PersonChoiceField
from govperf.data.exchange import connectors
from govperf.data.exchange.mapping import KINDS
from govperf.data.exchange.services import CONNECTOR_FIELDS
from govperf.data.importing import FORMATS
from govperf.data.models import CodeMapping, Connector
from govperf.orgs.selectors import office_people

FORMAT_CHOICES = [("", _("Detect from the file"))] + [(f, f) for f in FORMATS]
EXPORT_CHOICES = [
    ("xlsx", _("Excel (.xlsx), one value per row")),
    ("csv", _("CSV, one value per row")),
    ("template-xlsx", _("Entry template for a unit and period (.xlsx)")),
    ("template-csv", _("Entry template for a unit and period (.csv)")),
    ("dhis2-json", _("DHIS2 dataValueSet (JSON)")),
    ("dhis2-csv", _("DHIS2 dataValueSet (CSV)")),
]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("Excel (.xlsx), CSV (UTF-8 or GB18030) or DHIS2 JSON.")
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)
    unit = forms.CharField(
        label=_("Unit code"),
        required=False,
        max_length=64,
        help_text=_("Only for a template without its unit row."),
    )
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=16,
        help_text=_("Only for a template without its period row."),
    )
    mapping = forms.FileField(
        label=_("Code mapping (MAP.csv)"),
        required=False,
        help_text=_("For DHIS2 files: kind,external,code; the stored mappings apply otherwise."),
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=EXPORT_CHOICES, initial="xlsx")
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=64)
    period = forms.CharField(
        label=_("Period"), required=False, max_length=16, help_text=_("e.g. 2026, 2026Q1, 202603")
    )
    indicator = forms.CharField(label=_("Indicator code"), required=False, max_length=64)


class MappingForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("data", "Kind"), choices=[(k, CodeMapping.Kind(k).label) for k in KINDS]
    )
    external = forms.CharField(label=_("External id"), max_length=100)
    code = forms.CharField(label=_("Our code"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MappingFileForm(forms.Form):
    file = forms.FileField(label=_("MAP.csv"), help_text=_("Columns kind,external,code."))


class ConnectorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=pgettext_lazy("data", "Kind"), choices=Connector.Kind.choices)
    owner = PersonChoiceField(
        label=pgettext_lazy("data", "Owner"),
        queryset=office_people().order_by("username"),
        required=False,
        help_text=_("Told when a run fails. Left empty: you, for a new connector."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    minute = forms.CharField(label=_("Minute"), max_length=64, initial="0")
    hour = forms.CharField(label=_("Hour"), max_length=64, initial="2")
    day = forms.CharField(label=_("Day of month"), max_length=64, initial="*")
    month = forms.CharField(label=_("Month"), max_length=64, initial="*")
    day_of_week = forms.CharField(label=_("Day of week"), max_length=64, initial="*")
    url = forms.URLField(label=_("URL"), max_length=500, required=False, assume_scheme="https")
    method = forms.ChoiceField(
        label=_("Method"), choices=[("GET", "GET"), ("POST", "POST")], initial="GET"
    )
    headers = forms.CharField(
        label=_("Headers (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="{}",
    )
    response_format = forms.ChoiceField(
        label=_("Response format"), choices=Connector.Format.choices
    )
    records_path = forms.CharField(label=_("Records path"), max_length=200, required=False)
    database = forms.CharField(label=_("Database"), max_length=64, required=False)
    query = forms.CharField(
        label=_("Query"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_map = forms.CharField(
        label=_("Field mapping (JSON)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial='{"indicator": "indicator", "unit": "unit", "period": "period", "value": "value"}',
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def _json(self, name: str) -> dict:
        try:
            value = json.loads(self.cleaned_data.get(name) or "{}")
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON.")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("A JSON object is expected."))
        return value

    def clean_headers(self) -> dict:
        return self._json("headers")

    def clean_field_map(self) -> dict:
        return self._json("field_map")

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data.get("owner") is None:
            data.pop("owner", None)  # keeps the owner (a new connector's is its author)
        return data

    @staticmethod
    def initial_from(connector: Connector) -> dict:
        out = {name: getattr(connector, name) for name in CONNECTOR_FIELDS}
        out["owner"] = connector.owner_id
        out["version"] = connector.version
        # Credentials are shown masked; sent back unchanged, the service keeps the stored ones.
        out["url"] = connectors.public_url(connector.url)
        out["headers"] = json.dumps(
            connectors.public_headers(connector.headers), ensure_ascii=False
        )
        out["field_map"] = json.dumps(connector.field_map, ensure_ascii=False)
        return out
