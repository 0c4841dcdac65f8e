"""The scheme page's weighting tools and sensitivity view, over ``engine.weighting`` and
``engine.sensitivity``. Nothing here writes; ``services.set_component_weights`` applies
weights the office accepts.

- AHP from a pairwise matrix (numbers or fractions such as ``1/3``); a consistency
  ratio of 0.1 or more is refused, naming the pair whose judgement is furthest from
  the weights (Saaty).
- Entropy and CRITIC from last cycle's data: the values of the component's indicators
  in the newest published results computed with this scheme (rows: units with every
  value; lower-is-better and deduction indicators reversed).
- Equal weights; the average of several experts' weight vectors.
- Rank intervals: every unit's best and worst rank when the component weights move
  at random by up to ±x %.

Weights are given back as points summing to exactly 100, two decimals, the last
cent going to the largest remainders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from govperf.core.errors import ErrorDetail, ValidationFailed
from govperf.engine import weighting
from govperf.engine.errors import EngineInputError
from govperf.engine.sensitivity import rank_intervals
from govperf.evaluation.models import IndicatorResult, ResultSet, Scheme, UnitResult

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Weights:
    method: str
    codes: list[str]
    points: list[float]  # summing to 100
    extra: dict[str, Any]


def to_points(shares: Sequence[float]) -> list[float]:
    """Shares summing to 1 as points summing to exactly 100.00 (largest remainders)."""
    raw = [Decimal(repr(float(s))) * 100 for s in shares]
    floored = [r.quantize(CENT, rounding=ROUND_FLOOR) for r in raw]
    left = int((Decimal(100) - sum(floored)) / CENT)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - floored[i], reverse=True)
    for i in order[: max(0, left)]:
        floored[i] += CENT
    return [float(x) for x in floored]


def _engine_error(exc: EngineInputError, prefix: str = "") -> ValidationFailed:
    return ValidationFailed(
        _("The weights could not be computed."),
        [
            ErrorDetail(
                field=f"{prefix}{e.get('field') or ''}" or None, message=e.get("message", "")
            )
            for e in exc.errors
        ],
    )


def parse_matrix(text: str) -> list[list[float]]:
    """Rows on lines, cells separated by spaces, commas or tabs; ``1/3`` allowed."""
    rows: list[list[float]] = []
    details: list[ErrorDetail] = []
    for i, line in enumerate(x for x in text.strip().splitlines() if x.strip()):
        cells = [c for c in line.replace(",", " ").replace("\t", " ").split(" ") if c]
        row: list[float] = []
        for j, cell in enumerate(cells):
            try:
                row.append(float(Fraction(cell)))
            except (ValueError, ZeroDivisionError):
                details.append(
                    ErrorDetail(field=f"matrix[{i}][{j}]", message=_("Not a number."), value=cell)
                )
        rows.append(row)
    if details:
        raise ValidationFailed(_("The matrix is not valid."), details)
    return rows


def ahp_weights(matrix: Sequence[Sequence[float]], codes: Sequence[str]) -> Weights:
    if len(matrix) != len(codes) or any(len(r) != len(codes) for r in matrix):
        raise ValidationFailed(
            _("The matrix is not valid."),
            [
                ErrorDetail(
                    field="matrix",
                    message=_("Compare every pair of the %(n)d items: an %(n)d × %(n)d matrix.")
                    % {"n": len(codes)},
                )
            ],
        )
    try:
        result = weighting.ahp(np.array(matrix, dtype=np.float64))
    except EngineInputError as exc:
        raise _engine_error(exc) from exc
    if not result.consistent:
        i, j = result.inconsistent_pair or (0, 1)
        raise ValidationFailed(
            _("The judgements are not consistent enough (CR = %(cr)s ≥ 0.1).")
            % {"cr": f"{result.cr:.3f}"},
            [
                ErrorDetail(
                    field=f"matrix[{i}][{j}]",
                    value=f"{matrix[i][j]:g}",
                    message=_(
                        "The judgement of %(a)s against %(b)s differs most from the weights; "
                        "revise it first."
                    )
                    % {"a": codes[i], "b": codes[j]},
                )
            ],
            code="inconsistent",
        )
    return Weights(
        "ahp",
        list(codes),
        to_points(result.weights.tolist()),
        {
            "cr": round(result.cr, 4),
            "lambda_max": round(result.lambda_max, 4),
            "ci": round(result.ci, 4),
        },
    )


def equal(codes: Sequence[str]) -> Weights:
    return Weights(
        "equal", list(codes), to_points(weighting.equal_weights(len(codes)).tolist()), {}
    )


def expert_average(vectors: Sequence[Sequence[float]], codes: Sequence[str]) -> Weights:
    if any(len(v) != len(codes) for v in vectors) or not vectors:
        raise ValidationFailed(
            _("The weights could not be computed."),
            [ErrorDetail(field="vectors", message=_("Each expert gives one weight per item."))],
        )
    try:
        shares = weighting.expert_average(np.array(vectors, dtype=np.float64))
    except EngineInputError as exc:
        raise _engine_error(exc) from exc
    return Weights("expert", list(codes), to_points(shares.tolist()), {"experts": len(vectors)})


def last_cycle_data(scheme: Scheme, codes: Sequence[str]) -> tuple[np.ndarray, ResultSet]:
    """Units × indicators of the newest published results of ``scheme`` holding them all."""
    for rs in ResultSet.objects.filter(
        round__scheme_version__scheme=scheme,
        status__in=(
            ResultSet.Status.PUBLISHED,
            ResultSet.Status.LOCKED,
            ResultSet.Status.SUPERSEDED,
        ),
    ).order_by("-round__period", "-number"):
        rows = IndicatorResult.objects.filter(result_set=rs, code__in=list(codes)).values_list(
            "unit_id", "code", "value"
        )
        table: dict[int, dict[str, float]] = {}
        for unit_id, code, value in rows:
            if value is not None:
                table.setdefault(unit_id, {})[code] = float(value)
        complete = [r for r in table.values() if all(c in r for c in codes)]
        if len(complete) >= 2:
            return np.array([[r[c] for c in codes] for r in complete]), rs
    raise ValidationFailed(
        _("The weights could not be computed."),
        [
            ErrorDetail(
                field="method",
                message=_(
                    "No published results of this scheme hold values of these indicators for "
                    "two units or more."
                ),
            )
        ],
    )


def objective(method: str, scheme: Scheme, codes: Sequence[str], lower: Sequence[str]) -> Weights:
    """Entropy or CRITIC weights from last cycle's values."""
    data, rs = last_cycle_data(scheme, codes)
    reversed_ = [i for i, c in enumerate(codes) if c in lower]
    try:
        if method == "entropy":
            shares = weighting.entropy_weights(
                data, lower=reversed_, minmax=True, codes=list(codes)
            )
        else:
            shares = weighting.critic_weights(data, lower=reversed_, codes=list(codes))
    except EngineInputError as exc:
        raise _engine_error(exc) from exc
    return Weights(
        method,
        list(codes),
        to_points(shares.tolist()),
        {"from": f"{rs.round.name} v{rs.number}", "units": int(data.shape[0])},
    )


def by_method(
    method: str,
    scheme: Scheme,
    codes: Sequence[str],
    lower: Sequence[str] = (),
    *,
    of_component: bool,
    matrix: Sequence[Sequence[float]] | None = None,
    vectors: Sequence[Sequence[float]] | None = None,
) -> Weights:
    """The weights of ``codes`` by ``method``, for the API and the page alike: what the
    method needs and is not given is refused, naming the field. ``of_component``: the
    codes are one component's indicators (entropy and CRITIC weigh only those, from data)."""

    def refuse(field: str, message: str) -> ValidationFailed:
        return ValidationFailed(
            _("The weights could not be computed."), [ErrorDetail(field=field, message=message)]
        )

    if method == "ahp":
        if matrix is None:
            raise refuse("matrix", _("Give the pairwise comparison matrix."))
        return ahp_weights(matrix, codes)
    if method == "equal":
        return equal(codes)
    if method == "expert":
        if not vectors:
            raise refuse("vectors", _("Give the experts' weights."))
        return expert_average(vectors, codes)
    if method in ("entropy", "critic"):
        if not of_component:
            raise refuse("component", _("Entropy and CRITIC weigh a component's indicators."))
        return objective(method, scheme, codes, lower)
    raise refuse("method", _("One of ahp, entropy, critic, equal, expert."))


@dataclass(frozen=True)
class Interval:
    unit_id: int
    code: str
    name: str
    group: str
    composite: float
    base: int
    low: int
    high: int

    @property
    def width(self) -> int:
        return self.high - self.low


def sensitivity(rs: ResultSet, *, spread: float, draws: int = 500, seed: int = 0) -> list[Interval]:
    """Rank intervals of the units of ``rs`` under ±``spread`` moves of the component weights."""
    rows = list(
        UnitResult.objects.filter(result_set=rs).select_related("unit").order_by("position")
    )
    if not rows:
        return []
    definition = rs.scheme_version.definition
    weights = [float(c["weight"]) for c in definition["components"]]
    components = np.array([r.raw["components"] for r in rows], dtype=np.float64)
    bonus = np.array([r.raw.get("bonus_applied", 0.0) for r in rows], dtype=np.float64)
    vetoed = np.array([r.raw.get("vetoed", False) for r in rows], dtype=bool)
    ranking = definition.get("ranking", "group")
    ids: dict[str, int] = {}
    groups = np.array([ids.setdefault(r.group, len(ids)) for r in rows], dtype=np.int64)
    try:
        result = rank_intervals(
            components,
            weights,
            bonus=bonus,
            vetoed=vetoed,
            groups=groups if ranking == "group" else None,
            spread=spread,
            draws=draws,
            seed=seed,
            precision=int(definition.get("precision", 2)),
        )
    except EngineInputError as exc:
        raise _engine_error(exc) from exc
    out = [
        Interval(
            r.unit_id,
            r.unit.code,
            r.unit.name,
            r.group,
            float(r.composite),
            int(result.base[i]),
            int(result.min_rank[i]),
            int(result.max_rank[i]),
        )
        for i, r in enumerate(rows)
    ]
    return sorted(out, key=lambda x: (x.group, x.base, x.code))
