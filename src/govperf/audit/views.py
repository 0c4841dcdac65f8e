"""The security auditor's pages: search the log, verify the chain, export its head."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from govperf.audit import selectors
from govperf.audit.forms import AuditSearchForm
from govperf.audit.models import AuditEntry
from govperf.audit.services import current_head
from govperf.audit.tasks import VERIFY_ACTION
from govperf.audit.verify import verify_chain
from govperf.core.http import attachment
from govperf.orgs import policy
from govperf.orgs.policy import Action


@login_required
def search(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.VIEW_AUDIT)
    form = AuditSearchForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    filters = form.cleaned_data if form.is_bound and valid else {}
    qs = selectors.search(request.user, **{k: v for k, v in filters.items() if v})
    if not valid:
        # A filter that cannot be read (a bad date) must not quietly show everything.
        qs = qs.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "head": current_head(),
        "last_check": AuditEntry.objects.filter(action=VERIFY_ACTION).order_by("-seq").first(),
    }
    template = "audit/search.html#results" if request.htmx else "audit/search.html"
    return render(request, template, context)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.VIEW_AUDIT)
    anchor = None
    raw = request.POST.get("anchor", "").strip() if request.method == "POST" else ""
    anchor_error = ""
    if raw:
        try:
            anchor = json.loads(raw)
            int(anchor["seq"]), str(anchor["hash"])
        except (ValueError, KeyError, TypeError):
            anchor, anchor_error = None, "invalid"
    report = verify_chain(anchor=anchor) if request.method == "POST" and not anchor_error else None
    return render(
        request,
        "audit/verify.html",
        {"report": report, "anchor": raw, "anchor_error": anchor_error, "head": current_head()},
    )


@login_required
def head_export(request: HttpRequest) -> HttpResponse:
    """The newest (seq, hash), to keep somewhere else: a later cut-off tail no longer matches it."""
    policy.require(request.user, Action.VIEW_AUDIT)
    body = {**current_head().as_dict(), "exported_at": timezone.now().isoformat()}
    return attachment(
        json.dumps(body, ensure_ascii=False),
        "application/json",
        f"govperf-audit-head-{body['seq']}.json",
    )
