from django import forms
from django.utils.translation import gettext_lazy as _

from govperf.audit.models import AuditEntry


class AuditSearchForm(forms.Form):
    q = forms.CharField(label=_("Contains"), required=False)
    actor = forms.CharField(label=_("Actor (username)"), required=False)
    action = forms.CharField(
        label=_("Action"), required=False, help_text=_("e.g. login, unit.update")
    )
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("any")), *AuditEntry.Result.choices]
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
