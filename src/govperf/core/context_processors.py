"""What every page's shell needs: the navigation for the user's roles."""

from __future__ import annotations

from govperf.core.navigation import navigation_for


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from govperf.core.notifications import unread_count

    return {
        "nav_items": navigation_for(user, request.path),
        "unread_notifications": unread_count(user),
    }
