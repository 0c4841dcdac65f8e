"""Reading the audit log: only for those the policy lets read it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from govperf.audit.models import AuditEntry
from govperf.orgs import policy
from govperf.orgs.policy import Action


def search(
    user,
    *,
    q: str = "",
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    result: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    policy.require(user, Action.VIEW_AUDIT)
    qs = AuditEntry.objects.all()
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(before__icontains=q) | Q(after__icontains=q))
    if actor:
        qs = qs.filter(actor_label__iexact=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if result:
        qs = qs.filter(result=result)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs.order_by("-seq")
