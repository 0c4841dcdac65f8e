"""The public's pages: a plan opened for public comment, and the comment form (no sign-in).

Personal data are minimised: published comments show the commenter's name by its first
character only and never the contact, which only the office sees for moderation.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from govperf.audit import context as audit_context
from govperf.core.errors import ValidationFailed
from govperf.core.forms import apply_errors
from govperf.plans import selectors, services
from govperf.plans.forms import PublicCommentForm
from govperf.plans.services import RateLimited


def _context(plan) -> dict:
    comments = list(selectors.comments(plan, public_only=True))
    for c in comments:
        c.shown_name = selectors.mask_name(c.name)
    return {"plan": plan, "items": selectors.plan_items(plan), "comments": comments}


def public_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.public_plan(pk)
    context = _context(plan)
    context["form"] = PublicCommentForm(plan=plan) if plan.comments_open() else None
    return render(request, "plans/public.html", context)


def public_comment(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.public_plan(pk)
    if not plan.comments_open():
        messages.error(request, _("The comment period has ended."))
        return redirect("plans:public", plan.pk)
    form = PublicCommentForm(request.POST or None, plan=plan)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:  # filled by a robot: accept silently, keep nothing
            messages.success(
                request, _("Thank you. Your comment will be shown once the office has reviewed it.")
            )
            return redirect("plans:public", plan.pk)
        try:
            services.add_public_comment(
                plan=plan,
                name=data["name"],
                contact=data["contact"],
                body=data["body"],
                item=data["item"],
                client_key=audit_context.client_ip(request) or "",
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
            status = 422
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            messages.success(
                request, _("Thank you. Your comment will be shown once the office has reviewed it.")
            )
            return redirect("plans:public", plan.pk)
    context = _context(plan)
    context["form"] = form
    return render(request, "plans/public.html", context, status=status)
