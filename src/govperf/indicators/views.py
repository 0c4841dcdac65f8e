"""Pages of the indicator library: browser, detail with history, editor with the live
formula check, taxonomies, rubrics, import and export."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import NotFound, ValidationFailed
from govperf.core.forms import apply_errors
from govperf.core.http import CSV, XLSX, attachment
from govperf.indicators import importing, selectors, services
from govperf.indicators.forms import (
    ImportForm,
    IndicatorForm,
    LevelFormSet,
    RubricForm,
    TagForm,
    TaxonomyForm,
    levels_from,
)
from govperf.indicators.formulas import check_formula
from govperf.indicators.models import Indicator, IndicatorVersion
from govperf.indicators.usage import usages, version_in_use
from govperf.orgs import policy
from govperf.orgs.policy import Action

V = IndicatorVersion
PAGE_SIZE = 25


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _can_manage(request: HttpRequest) -> bool:
    return policy.can(request.user, Action.MANAGE_LIBRARY)


def _choice(value: str, choices) -> str:
    return value if value in choices.values else ""


# --- the library ------------------------------------------------------------------------------


@login_required
def library(request: HttpRequest) -> HttpResponse:
    get = request.GET
    filters = {
        "q": get.get("q", "").strip()[:200],
        "tag": get.get("tag", "") if get.get("tag", "").isdigit() else "",
        "kind": _choice(get.get("kind", ""), V.Kind),
        "direction": _choice(get.get("direction", ""), V.Direction),
        "frequency": _choice(get.get("frequency", ""), V.Frequency),
        "horizon": _choice(get.get("horizon", ""), V.Horizon),
        "active": get.get("active", "1") if get.get("active", "1") in ("1", "0", "") else "1",
    }
    qs = selectors.indicators(
        search=filters["q"],
        tag=filters["tag"],
        kind=filters["kind"],
        direction=filters["direction"],
        frequency=filters["frequency"],
        horizon=filters["horizon"],
        active={"1": True, "0": False}.get(filters["active"]),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(get.get("page"))
    query = urlencode(filters)
    context = {
        "page": page,
        "filters": filters,
        "query": query,
        "taxonomies": selectors.taxonomies(),
        "kinds": V.Kind.choices,
        "directions": V.Direction.choices,
        "frequencies": V.Frequency.choices,
        "horizons": V.Horizon.choices,
        "can_manage": _can_manage(request),
    }
    template = "indicators/library.html#results" if request.htmx else "indicators/library.html"
    return render(request, template, context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.get_indicator(pk)
    history = selectors.versions(indicator)
    rows = []
    for index, version in enumerate(history):
        older = history[index + 1] if index + 1 < len(history) else None
        rows.append(
            {"version": version, "changes": selectors.diff(older, version) if older else []}
        )
    context = {
        "indicator": indicator,
        "v": indicator.current,
        "history": rows,
        "used_in_formulas": services.formula_users(indicator, active_only=False),
        "inputs": indicator.current.inputs.select_related("current").order_by("code"),
        "usages": usages(indicator),
        "in_use": version_in_use(indicator.current),
        "can_manage": _can_manage(request),
    }
    return render(request, "indicators/detail.html", context)


def _editor_context(form: IndicatorForm, **extra) -> dict:
    selected = {str(v.pk if hasattr(v, "pk") else v) for v in (form["tags"].value() or [])}
    return {"form": form, "taxonomies": selectors.taxonomies(), "selected_tags": selected, **extra}


@login_required
def create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.MANAGE_LIBRARY)
    defaults = services.Definition(name="")
    initial = {f: getattr(defaults, f) for f in ("frequency", "time_aggregation", "direction")}
    initial.update(kind=defaults.kind, horizon=defaults.horizon, decimals=defaults.decimals)
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.create_indicator(
                actor=request.user,
                code=form.cleaned_data["code"],
                definition=form.to_definition(),
                change_note=form.cleaned_data["change_note"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Indicator %(code)s created.") % {"code": indicator.code})
            return redirect("indicators:detail", indicator.pk)
    return render(request, "indicators/editor.html", _editor_context(form))


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, Action.MANAGE_LIBRARY)
    indicator = selectors.get_indicator(pk)
    form = IndicatorForm(
        request.POST or None, initial=IndicatorForm.initial_from(indicator), editing=True
    )
    if request.method == "POST" and form.is_valid():
        before = indicator.current_id
        try:
            saved = services.update_indicator(
                actor=request.user,
                indicator=indicator,
                expected_version=form.cleaned_data["version"],
                definition=form.to_definition(),
                change_note=form.cleaned_data["change_note"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            if saved.current_id != before:
                messages.success(
                    request,
                    _("Saved as version %(n)d; the earlier version stays with what used it.")
                    % {"n": saved.current.number},
                )
            elif saved.version != indicator.version:
                messages.success(request, _("Saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("indicators:detail", indicator.pk)
    context = _editor_context(form, indicator=indicator, in_use=version_in_use(indicator.current))
    return render(request, "indicators/editor.html", context)


@login_required
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.get_indicator(pk)
    active = request.POST.get("active") == "1"
    services.set_indicator_active(
        actor=request.user,
        indicator=indicator,
        active=active,
        expected_version=_int_or_none(request.POST.get("version")),
    )
    messages.success(
        request, _("Indicator reactivated.") if active else _("Indicator deactivated.")
    )
    return redirect("indicators:detail", indicator.pk)


@login_required
@require_POST
def formula_check(request: HttpRequest) -> HttpResponse:
    """The editor's live check: an htmx fragment with the canonical text, references and errors."""
    text = request.POST.get("formula", "")[:4000]
    code = request.POST.get("own_code") or request.POST.get("code") or None
    check = check_formula(text, own_code=code[:64] if code else None)
    first = next((e for e in check.errors if e.position), None)
    caret = None
    if first is not None:
        index = min(first.position - 1, len(check.text))
        caret = {
            "before": check.text[:index],
            "at": check.text[index : index + 1] or " ",
            "after": check.text[index + 1 :],
            "position": first.position,
        }
    known = {
        i.code: i for i in Indicator.objects.filter(code__in=check.codes).select_related("current")
    }
    return render(
        request,
        "indicators/_formula_check.html",
        {"check": check, "caret": caret, "known": known, "empty": not text.strip()},
    )


# --- taxonomies ---------------------------------------------------------------------------------


@login_required
def taxonomies(request: HttpRequest) -> HttpResponse:
    can_manage = _can_manage(request)
    form = TaxonomyForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        policy.require(request.user, Action.MANAGE_LIBRARY)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                taxonomy = services.create_taxonomy(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    description=data["description"],
                    sort_order=data["sort_order"] or 0,
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Taxonomy saved."))
                return redirect("indicators:taxonomy", taxonomy.code)
    context = {"taxonomies": selectors.taxonomies(), "form": form, "can_manage": can_manage}
    return render(request, "indicators/taxonomies.html", context)


@login_required
def taxonomy(request: HttpRequest, code: str) -> HttpResponse:
    taxonomy = selectors.get_taxonomy(code)
    can_manage = _can_manage(request)
    form = tag_form = None
    if can_manage:
        form = TaxonomyForm(
            request.POST if "save_taxonomy" in request.POST else None,
            initial={
                "code": taxonomy.code,
                "name": taxonomy.name,
                "description": taxonomy.description,
                "sort_order": taxonomy.sort_order,
                "version": taxonomy.version,
            },
            editing=True,
        )
        tag_form = TagForm(
            request.POST if "add_tag" in request.POST else None, taxonomy=taxonomy, prefix="tag"
        )
    if request.method == "POST":
        policy.require(request.user, Action.MANAGE_LIBRARY)
        if "save_taxonomy" in request.POST and form.is_valid():
            data = form.cleaned_data
            try:
                services.update_taxonomy(
                    actor=request.user,
                    taxonomy=taxonomy,
                    expected_version=data["version"],
                    name=data["name"],
                    description=data["description"],
                    sort_order=data["sort_order"] or 0,
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Taxonomy saved."))
                return redirect("indicators:taxonomy", taxonomy.code)
        elif "add_tag" in request.POST and tag_form.is_valid():
            data = tag_form.cleaned_data
            try:
                services.create_tag(
                    actor=request.user,
                    taxonomy=taxonomy,
                    code=data["code"],
                    name=data["name"],
                    description=data["description"],
                    parent=data["parent"],
                    sort_order=data["sort_order"] or 0,
                )
            except ValidationFailed as exc:
                apply_errors(tag_form, exc)
            else:
                messages.success(request, _("Category added."))
                return redirect("indicators:taxonomy", taxonomy.code)
    found = next(t for t in selectors.taxonomies() if t.pk == taxonomy.pk)
    context = {
        "taxonomy": found,
        "form": form,
        "tag_form": tag_form,
        "can_manage": can_manage,
    }
    return render(request, "indicators/taxonomy.html", context)


@login_required
def tag_edit(request: HttpRequest, code: str, tag_code: str) -> HttpResponse:
    policy.require(request.user, Action.MANAGE_LIBRARY)
    taxonomy = selectors.get_taxonomy(code)
    tag = selectors.get_tag(taxonomy, tag_code)
    form = TagForm(
        request.POST or None,
        taxonomy=taxonomy,
        tag=tag,
        initial={
            "code": tag.code,
            "name": tag.name,
            "description": tag.description,
            "parent": tag.parent_id,
            "sort_order": tag.sort_order,
            "version": tag.version,
        },
    )
    if request.method == "POST" and "delete" in request.POST:
        services.delete_tag(actor=request.user, tag=tag)
        messages.success(request, _("Category deleted."))
        return redirect("indicators:taxonomy", taxonomy.code)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_tag(
                actor=request.user,
                tag=tag,
                expected_version=data["version"],
                name=data["name"],
                description=data["description"],
                parent=data["parent"],
                sort_order=data["sort_order"] or 0,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Category saved."))
            return redirect("indicators:taxonomy", taxonomy.code)
    return render(
        request, "indicators/tag_form.html", {"form": form, "taxonomy": taxonomy, "tag": tag}
    )


# --- rubrics ------------------------------------------------------------------------------------


@login_required
def rubrics(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "indicators/rubrics.html",
        {"rubrics": selectors.rubrics(), "can_manage": _can_manage(request)},
    )


def _rubric_editor(request: HttpRequest, rubric=None) -> HttpResponse:
    policy.require(request.user, Action.MANAGE_LIBRARY)
    if rubric is None:
        initial = {}
        levels = services.DEFAULT_LEVELS
    else:
        initial = {
            "code": rubric.code,
            "name": rubric.name,
            "description": rubric.description,
            "version": rubric.version,
        }
        levels = rubric.levels
    form = RubricForm(request.POST or None, initial=initial, editing=rubric is not None)
    formset = LevelFormSet(request.POST or None, initial=levels, prefix="levels")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            if rubric is None:
                rubric = services.create_rubric(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    description=data["description"],
                    levels=levels_from(formset),
                )
            else:
                services.update_rubric(
                    actor=request.user,
                    rubric=rubric,
                    expected_version=data["version"],
                    name=data["name"],
                    description=data["description"],
                    levels=levels_from(formset),
                )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Rubric saved."))
            return redirect("indicators:rubrics")
    in_use = rubric is not None and any(version_in_use(v) for v in rubric.versions.all())
    return render(
        request,
        "indicators/rubric_form.html",
        {"form": form, "formset": formset, "rubric": rubric, "in_use": in_use},
    )


@login_required
def rubric_create(request: HttpRequest) -> HttpResponse:
    return _rubric_editor(request)


@login_required
def rubric_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _rubric_editor(request, selectors.get_rubric(code))


# --- import and export --------------------------------------------------------------------------

IMPORT_STASH_KEY = "indicators_import_stash"


def _stash_upload(request: HttpRequest, *, filename: str, data: bytes) -> str:
    """Keep a previewed file until it is confirmed, so the user does not upload it twice."""
    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stash_id = secrets.token_hex(16)
    (folder / stash_id).write_bytes(data)
    request.session[IMPORT_STASH_KEY] = {"id": stash_id, "filename": filename}
    return stash_id


def _take_stash(request: HttpRequest, stash_id: str) -> tuple[str, bytes] | None:
    stash = request.session.get(IMPORT_STASH_KEY)
    if not stash or stash["id"] != stash_id:
        return None
    path = settings.MEDIA_ROOT / "imports" / stash["id"]
    if not path.exists():
        return None
    data = path.read_bytes()
    path.unlink()
    del request.session[IMPORT_STASH_KEY]
    return stash["filename"], data


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing written) → confirm (all or nothing)."""
    user = request.user
    policy.require(user, Action.MANAGE_LIBRARY)
    confirming = request.method == "POST" and "stash" in request.POST
    form = ImportForm(
        None if confirming else (request.POST or None),
        None if confirming else (request.FILES or None),
    )
    context: dict = {"form": form}
    try:
        if confirming:
            taken = _take_stash(request, request.POST["stash"])
            if taken is None:
                messages.error(request, _("The previewed file has expired; upload it again."))
                return redirect("indicators:import")
            filename, data = taken
            plan = importing.plan_file(actor=user, data=data, filename=filename)
            context["imported"] = importing.apply_plan(actor=user, plan=plan, filename=filename)
        elif request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(importing.MAX_BYTES + 1)
            plan = importing.plan_file(actor=user, data=data, filename=upload.name)
            context["plan"] = plan
            if plan.ok and (plan.creates or plan.updates):
                context["stash"] = _stash_upload(request, filename=upload.name, data=data)
    except ValidationFailed as exc:
        context["error"] = exc
    return render(request, "indicators/import.html", context)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.MANAGE_LIBRARY)
    return attachment(importing.template_workbook(), XLSX, "govperf-indicators-template.xlsx")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The current versions of the whole library (every signed-in user may read it)."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise NotFound(_("Unknown format."))
    filename = f"govperf-indicators.{fmt}"
    if fmt == "csv":
        return attachment(importing.export_csv(), CSV, filename)
    return attachment(importing.export_workbook(), XLSX, filename)
