"""Pages of the data exchange: import (upload, preview, confirm, progress), import history,
export, the office's code mappings and connectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import ValidationFailed
from govperf.core.forms import apply_errors
from govperf.core.http import attachment
from govperf.data import exporting
from govperf.data.exchange import jobs, services
from govperf.data.exchange.mapping import parse_file
from govperf.data.exchange_forms import (
    ConnectorForm,
    ExportForm,
    ImportForm,
    MappingFileForm,
    MappingForm,
)
from govperf.data.models import CodeMapping
from govperf.orgs import policy
from govperf.orgs.policy import Action

PAGE_SIZE = 50


def _office(request: HttpRequest) -> bool:
    return policy.can(request.user, Action.IMPORT_DATA)


def _context(request: HttpRequest, **extra) -> dict:
    return {"exchange_office": _office(request), **extra}


def _read(upload, limit: int) -> bytes:
    return upload.read(limit + 1)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a file: it is checked (nothing written) and its job page shows the preview."""
    from govperf.data import conf

    jobs.require_import(request.user)
    initial = {k: request.GET[k][:64] for k in ("unit", "period") if request.GET.get(k)}
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            mapping_rows = None
            if form.cleaned_data.get("mapping"):
                mapping_rows = [
                    list(r)
                    for r in parse_file(form.cleaned_data["mapping"].read(1024 * 1024)).rows()
                ]
            job = jobs.create_job(
                actor=request.user,
                data=_read(upload, conf.import_max_bytes()),
                filename=upload.name,
                fmt=form.cleaned_data["format"] or None,
                unit=form.cleaned_data["unit"] or None,
                period=form.cleaned_data["period"] or None,
                mapping_rows=mapping_rows,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
            return render(
                request, "data/exchange/import.html", _context(request, form=form, error=exc)
            )
        return redirect("data:import_job", job.pk)
    return render(request, "data/exchange/import.html", _context(request, form=form))


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = jobs.get_job(request.user, pk)
    template = "data/exchange/job.html#progress" if request.htmx else "data/exchange/job.html"
    return render(request, template, _context(request, job=job))


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = jobs.get_job(request.user, pk)
    job = jobs.confirm_job(actor=request.user, job=job)
    if job.status == job.Status.DONE:
        messages.success(
            request,
            _("Imported: %(c)d created, %(u)d updated, %(n)d unchanged.")
            % {
                "c": job.counts.get("created", 0),
                "u": job.counts.get("updated", 0),
                "n": job.counts.get("unchanged", 0),
            },
        )
    return redirect("data:import_job", job.pk)


@login_required
def import_jobs(request: HttpRequest) -> HttpResponse:
    jobs.require_import(request.user)
    page = Paginator(jobs.visible_jobs(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "data/exchange/jobs.html", _context(request, page=page))


@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET or None)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            export = exporting.export_values(
                user=request.user,
                fmt=data["format"],
                unit=data["unit"] or None,
                period=data["period"] or None,
                indicator=data["indicator"] or None,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return attachment(export.data, export.content_type, export.filename)
    return render(request, "data/exchange/export.html", _context(request, form=form))


# --- code mappings --------------------------------------------------------------------------------


@login_required
def mappings(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.IMPORT_DATA)
    form = MappingForm(request.POST or None) if "external" in request.POST else MappingForm()
    upload = (
        MappingFileForm(request.POST or None, request.FILES or None)
        if "file" in request.FILES
        else MappingFileForm()
    )
    if request.method == "POST":
        try:
            if "file" in request.FILES and upload.is_valid():
                f = upload.cleaned_data["file"]
                counts = services.import_mappings(
                    actor=request.user, mapping=parse_file(f.read(5 * 1024 * 1024)), filename=f.name
                )
                messages.success(
                    request,
                    _("Mappings imported: %(c)d created, %(u)d updated, %(n)d unchanged.")
                    % {"c": counts["created"], "u": counts["updated"], "n": counts["unchanged"]},
                )
                return redirect("data:mappings")
            if "external" in request.POST and form.is_valid():
                data = form.cleaned_data
                services.save_mapping(
                    actor=request.user,
                    kind=data["kind"],
                    external=data["external"],
                    code=data["code"],
                    note=data["note"],
                )
                messages.success(request, _("Mapping saved."))
                return redirect("data:mappings")
        except ValidationFailed as exc:
            apply_errors(form, exc)
            if not exc.details or "file" in request.FILES:
                messages.error(request, str(exc.message))
                upload.add_error(
                    None, "; ".join(f"{d.location}: {d.message}" for d in exc.details[:20])
                )
    kind = request.GET.get("kind", "")
    qs = CodeMapping.objects.select_related("updated_by")
    if kind in CodeMapping.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "data/exchange/mappings.html",
        _context(
            request, form=form, upload=upload, page=page, kinds=CodeMapping.Kind.choices, kind=kind
        ),
    )


@login_required
@require_POST
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = services.get_mapping(request.user, pk)
    services.delete_mapping(actor=request.user, mapping=mapping)
    messages.success(request, _("Mapping deleted."))
    return redirect("data:mappings")


# --- connectors ------------------------------------------------------------------------------------


@login_required
def connectors(request: HttpRequest) -> HttpResponse:
    rows = services.visible_connectors(request.user)
    return render(request, "data/exchange/connectors.html", _context(request, connectors=rows))


@login_required
def connector_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    services.require_connectors(request.user)
    connector = services.get_connector(request.user, pk) if pk else None
    initial = ConnectorForm.initial_from(connector) if connector else None
    form = ConnectorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_connector(
                actor=request.user,
                fields=form.fields_for_service(),
                connector=connector,
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Connector saved."))
            return redirect("data:connector", saved.pk)
    return render(
        request,
        "data/exchange/connector_form.html",
        _context(request, form=form, connector=connector),
    )


@login_required
def connector(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.get_connector(request.user, pk)
    runs = services.connector_runs(request.user, found)[:50]
    return render(
        request, "data/exchange/connector.html", _context(request, connector=found, runs=runs)
    )


@login_required
@require_POST
def connector_run(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.get_connector(request.user, pk)
    services.run_connector_now(actor=request.user, connector=found)
    messages.info(request, _("The connector will run in a moment; its run appears below."))
    return redirect("data:connector", found.pk)


urlpatterns = [
    path("import/", import_page, name="import"),
    path("import/jobs/", import_jobs, name="import_jobs"),
    path("import/jobs/<int:pk>/", import_job, name="import_job"),
    path("import/jobs/<int:pk>/confirm/", import_confirm, name="import_confirm"),
    path("export/", export_page, name="export"),
    path("mappings/", mappings, name="mappings"),
    path("mappings/<int:pk>/delete/", mapping_delete, name="mapping_delete"),
    path("connectors/", connectors, name="connectors"),
    path("connectors/new/", connector_edit, name="connector_create"),
    path("connectors/<int:pk>/", connector, name="connector"),
    path("connectors/<int:pk>/edit/", connector_edit, name="connector_edit"),
    path("connectors/<int:pk>/run/", connector_run, name="connector_run"),
]
