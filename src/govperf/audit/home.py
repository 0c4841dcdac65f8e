from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govperf.audit.models import AuditEntry
from govperf.core.home import Card, Link
from govperf.orgs import policy
from govperf.orgs.policy import Action


def home_cards(user) -> list[Card]:
    if not policy.can(user, Action.VIEW_AUDIT):
        return []
    refused = AuditEntry.objects.exclude(result=AuditEntry.Result.OK).count()
    return [
        Card(
            "auditor",
            _("Security audit"),
            [
                Link(_("Search the audit log"), reverse("audit:search"), "journal-text"),
                Link(
                    _("Refused or failed attempts"),
                    reverse("audit:search") + "?result=denied",
                    "shield-exclamation",
                    refused,
                ),
                Link(_("Verify the hash chain"), reverse("audit:verify"), "shield-check"),
            ],
        )
    ]
