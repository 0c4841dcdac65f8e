"""The home page per role, and the health check."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from govperf import __version__
from govperf.core.home import cards_for
from govperf.core.models import Notification, WorkerHeartbeat
from govperf.core.notifications import mark_read
from govperf.core.tasks import HEARTBEAT_NAME
from govperf.orgs import selectors

# The worker beats every minute; three missed beats mean it is down.
WORKER_STALE_AFTER = dt.timedelta(minutes=3)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What this person works on, by role: each capability contributes its cards."""
    context = {
        "memberships": selectors.memberships_of(request.user),
        "cards": cards_for(request.user),
    }
    return render(request, "core/home.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The signed-in person's messages; opening the page marks them read."""
    items = list(Notification.objects.filter(recipient=request.user)[:200])
    if request.method == "POST":
        mark_read(request.user)
        return redirect("core:notifications")
    return render(request, "core/notifications.html", {"items": items})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the database and worker status; 503 when the database does not answer."""
    body: dict = {
        "status": "ok",
        "version": __version__,
        "database": "ok",
        "worker": {"status": "unknown"},
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the same: no database
        body.update(status="unavailable", database="unavailable", error=type(exc).__name__)
        return JsonResponse(body, status=503)
    try:
        beat = (
            WorkerHeartbeat.objects.filter(name=HEARTBEAT_NAME)
            .values_list("seen_at", flat=True)
            .first()
        )
    except DatabaseError:  # answers, but not migrated yet: the worker's state is unknown
        beat = None
    if beat is not None:
        age = timezone.now() - beat
        body["worker"] = {
            "status": "ok" if age <= WORKER_STALE_AFTER else "stale",
            "last_seen": beat.isoformat(),
            "seconds_since": int(age.total_seconds()),
        }
    return JsonResponse(body)
