"""Exports of a result set: Excel (``core.tabular.write_xlsx``) and PDF (WeasyPrint).

Read from the stored rows only; nothing is recomputed. The PDF is an HTML template
rendered by WeasyPrint with the CJK fonts installed on the server (Noto Sans CJK SC),
and no resource fetched from anywhere.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from govperf.core.tabular import write_xlsx
from govperf.evaluation import selectors
from govperf.evaluation.models import IndicatorResult, ResultSet


def results_xlsx(user, rs: ResultSet) -> bytes:
    components = selectors.component_columns(rs)
    headers = [
        _("Unit code"),
        _("Unit"),
        _("Comparable group"),
        *[f"{label} ({code})" for code, label, _weight in components],
        _("Bonus"),
        _("Composite score"),
        _("Grade"),
        _("Rank"),
        _("Veto"),
    ]
    names = selectors.group_names()
    rows = []
    for r in selectors.unit_results(rs):
        rows.append(
            [
                r.unit.code,
                r.unit.name,
                names.get(r.group, r.group),
                *[(r.components or {}).get(code) for code, _label, _weight in components],
                r.bonus,
                r.composite,
                r.grade,
                r.rank,
                r.veto,
            ]
        )
    return write_xlsx(headers, rows, title=_("Results"))


def indicators_xlsx(user, rs: ResultSet) -> bytes:
    headers = [
        _("Unit code"),
        _("Unit"),
        _("Component"),
        _("Indicator"),
        _("Value"),
        pgettext("rubric", "Level"),
        _("Rule"),
        _("Share earned"),
        _("Points"),
    ]
    units = {
        unit_id: (code, name)
        for unit_id, code, name in rs.units.values_list("unit_id", "unit__code", "unit__name")
    }
    reach = selectors.units_in_reach(user, units)
    rows = (
        [
            *units[row.unit_id],
            row.component,
            row.code,
            row.value,
            row.level,
            _rule_text(row.rule),
            row.pct,
            row.points,
        ]
        for row in IndicatorResult.objects.filter(result_set=rs, unit_id__in=list(reach))
        .order_by("unit_id", "position")
        .iterator(chunk_size=5000)
    )
    return write_xlsx(headers, rows, title=_("Indicators"))


def _rule_text(rule: dict) -> str:
    kind = rule.get("kind", "")
    params = ", ".join(f"{k}={v}" for k, v in rule.items() if k != "kind")
    return f"{kind}({params})" if params else kind


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def results_pdf(request, rs: ResultSet) -> bytes:
    rows = selectors.unit_results(rs)
    html = render_to_string(
        "evaluation/report_pdf.html",
        {
            "rs": rs,
            "round": rs.round,
            "rows": rows,
            "components": selectors.component_columns(rs),
            "generated": timezone.localtime(),
            "groups": selectors.group_names(),
        },
        request=request,
    )
    return _pdf(html)


def unit_pdf(request, rs: ResultSet, unit_pk) -> bytes:
    from govperf.evaluation.result_views import unit_context

    context = unit_context(request.user, rs, unit_pk)
    context["generated"] = timezone.localtime()
    html = render_to_string("evaluation/unit_pdf.html", context, request=request)
    return _pdf(html)
