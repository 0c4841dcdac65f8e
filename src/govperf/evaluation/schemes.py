"""Stored schemes: the scheme object of ``CASES.md`` plus what a stored round needs.

The engine reads the scheme as ``CASES.md`` spells it and ignores other fields; a
stored scheme adds these (all optional):

- top level: ``name``, ``description``, ``bonus_label`` (e.g. 创新创优).
- every component: ``label``.
- a panel component (raters' 0–100 scores, mean or trimmed mean):

  - ``source``: where its scores come from. ``tasks`` (the default when
    ``evaluators`` is given): the submitted scoring tasks of the listed
    ``evaluators`` kinds (self, superior, peer, expert, third_party).
    ``import``: scores the office imports for the round (a survey's result,
    one score or several per unit). ``indicator``: one score per unit, the value
    of the library indicator named by ``indicator`` for the round's period,
    aggregated by its time aggregation (a satisfaction rate of 0–100 % is
    the score) — how a public-satisfaction panel maps to data while ratings
    and surveys live elsewhere.
  - ``rubric``: ``[{"name", "min", "max", "description"}]``, score ranges within
    0–100 that the scoring form shows; a score must fall within the level chosen.

- an indicator of an indicator component:

  - ``label``; ``indicator``: the library indicator it reads (defaults to the
    indicator's own code when the library has it);
  - ``source``: ``data`` (the default for a library indicator: its data values for
    the round's period, aggregated by ``time_aggregate`` or else the library's
    time aggregation, approved or locked values only), ``import`` (values the
    office enters for the round; the default otherwise), or ``tasks`` (a rubric
    indicator scored by the ``evaluators`` kinds: the mean of their shares, at the
    level whose range holds it);
  - rule fields may say ``"from_plan"``: ``target`` of ``higher_better`` and
    ``lower_better``; ``floor``, ``target`` and ``challenge`` of ``interpolate``.
    Each unit's value then comes from its own ``plans.Target`` for the indicator
    and the round's period; for an indicator outside the library, from the values
    imported for the round as ``CODE.target`` (``CODE.floor``, ``CODE.challenge``). The engine scores one scheme for all units at once,
    so such a column is put on a common scale first (actual ÷ target; for
    interpolation floor → 0, target → 1, challenge → 2, piecewise linearly), which
    leaves every pct exactly as the unit's own target gives it; the stored
    breakdown shows the unit's own numbers;
  - ``rubric``: ``{"level name": "description"}`` for the scoring form; a rubric rule
    without ``levels`` takes the levels of the library indicator's rubric.

``check_definition`` validates all of it at once and reports every problem with
its JSON path (``scheme.components[1].indicators[0].rule.target``); the engine's
own checks (weights totalling 100, a rule without its target, …) come from
``engine.scheme.parse_scheme`` with the same paths.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from govperf.core.errors import ValidationFailed
from govperf.core.validation import Problems
from govperf.engine.errors import EngineInputError
from govperf.engine.rules import Rubric
from govperf.engine.scheme import Scheme, parse_scheme
from govperf.evaluation.models import EvaluatorKind

FROM_PLAN = "from_plan"
PLAN_FIELDS = {
    "higher_better": ("target",),
    "lower_better": ("target",),
    "interpolate": ("floor", "target", "challenge"),
}
# The common scale a from-plan column is scored on (see the module docstring).
NORMALISED = {
    "higher_better": {"target": 1},
    "lower_better": {"target": 1},
    "interpolate": {"floor": 0, "target": 1, "challenge": 2},
}
PANEL_SOURCES = ("tasks", "import", "indicator")
INDICATOR_SOURCES = ("data", "import", "tasks")
TASK_KINDS = tuple(EvaluatorKind.values)
MAX_LABEL = 100


@dataclass(frozen=True)
class LibraryIndicator:
    """What a scheme needs to know of a library indicator."""

    id: int
    code: str
    name: str
    time_aggregation: str
    kind: str
    rubric_levels: Mapping[str, list[float]] | None = None
    rubric_descriptions: Mapping[str, str] | None = None


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    column: int
    component: str
    label: str
    weight: float
    link: LibraryIndicator | None
    source: str
    rule: Mapping[str, Any]  # as stored, "from_plan" included
    plan_fields: tuple[str, ...]
    evaluators: tuple[str, ...]
    time_aggregate: str
    rubric: Mapping[str, str]

    @property
    def kind(self) -> str:
        return str(self.rule.get("kind"))


@dataclass(frozen=True)
class PanelSpec:
    code: str
    label: str
    weight: float
    source: str
    evaluators: tuple[str, ...]
    link: LibraryIndicator | None
    rubric: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class ComponentSpec:
    code: str
    label: str
    weight: float
    is_panel: bool


@dataclass(frozen=True)
class SchemeSpec:
    definition: Mapping[str, Any]
    engine: Scheme
    components: tuple[ComponentSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    panels: tuple[PanelSpec, ...]
    bonus_label: str = ""
    links: tuple[str, ...] = field(default=())

    def component(self, code: str) -> ComponentSpec | None:
        return next((c for c in self.components if c.code == code), None)

    def panel(self, code: str) -> PanelSpec | None:
        return next((p for p in self.panels if p.code == code), None)

    def task_components(self) -> list[tuple[str, str]]:
        """(component, evaluator kind) pairs that scoring tasks are made for, in scheme order."""
        out: list[tuple[str, str]] = []
        for comp in self.components:
            kinds: list[str] = []
            if comp.is_panel:
                panel = self.panel(comp.code)
                if panel is not None and panel.source == "tasks":
                    kinds = list(panel.evaluators)
            else:
                for ind in self.indicators:
                    if ind.component == comp.code and ind.source == "tasks":
                        kinds += [k for k in ind.evaluators if k not in kinds]
            out += [(comp.code, kind) for kind in kinds]
        return out

    def import_codes(self) -> list[str]:
        """The codes the office imports values under: indicators and panels sourced
        ``import``, and ``CODE.FIELD`` targets of from-plan indicators outside the library."""
        return (
            [i.code for i in self.indicators if i.source == "import"]
            + [p.code for p in self.panels if p.source == "import"]
            + [
                f"{i.code}.{f}"
                for i in self.indicators
                if i.plan_fields and i.link is None
                for f in i.plan_fields
            ]
        )

    def rubric_levels(self, ind: IndicatorSpec) -> dict[str, tuple[float, float]]:
        """A rubric indicator's levels as the engine scores them: name → (low, high) share."""
        rule = self.engine.indicators[ind.column].rule
        return dict(rule.levels) if isinstance(rule, Rubric) else {}

    def task_indicators(self, component: str, kind: str) -> list[IndicatorSpec]:
        """The rubric indicators of ``component`` that an evaluator of ``kind`` scores."""
        return [
            ind
            for ind in self.indicators
            if ind.component == component and ind.source == "tasks" and kind in ind.evaluators
        ]


def referenced_codes(data: Any) -> set[str]:
    """Every library code a definition may refer to (explicitly or by its own code)."""
    codes: set[str] = set()
    if not isinstance(data, Mapping):
        return codes
    for comp in data.get("components") or []:
        if not isinstance(comp, Mapping):
            continue
        if isinstance(comp.get("indicator"), str):
            codes.add(comp["indicator"])
        for ind in comp.get("indicators") or []:
            if isinstance(ind, Mapping):
                for key in ("indicator", "code"):
                    if isinstance(ind.get(key), str):
                        codes.add(ind[key])
    return codes


def check_definition(
    data: Any, library: Mapping[str, LibraryIndicator] | None = None, *, path: str = "scheme"
) -> SchemeSpec:
    """Validate a stored scheme; every problem is reported with its JSON path.

    ``library`` maps the codes the definition refers to (``referenced_codes``) to the
    library's indicators; codes missing from it are not library indicators.

    Raises
    ------
    ValidationFailed
        With one detail per problem, ``field`` the JSON path.
    """
    library = library or {}
    p = Problems()
    if not isinstance(data, Mapping):
        p.add(path, _("The scheme must be a JSON object."))
        raise ValidationFailed(_("The scheme is not valid."), p.details)
    engine_data = copy.deepcopy(dict(data))
    _check_text(p, data.get("name"), f"{path}.name", 200)
    _check_text(p, data.get("bonus_label"), f"{path}.bonus_label", MAX_LABEL)
    if data.get("description") is not None and not isinstance(data.get("description"), str):
        p.add(f"{path}.description", _("Must be text."))
    components = data.get("components")
    indicator_specs: list[dict[str, Any]] = []
    panel_specs: list[dict[str, Any]] = []
    component_specs: list[dict[str, Any]] = []
    if isinstance(components, list):
        for c, comp in enumerate(components):
            cpath = f"{path}.components[{c}]"
            if not isinstance(comp, Mapping):
                continue  # the engine reports it
            _check_text(p, comp.get("label"), f"{cpath}.label", MAX_LABEL)
            code = comp.get("code")
            component_specs.append(
                {"code": code, "label": comp.get("label") or code, "panel": "panel" in comp}
            )
            if "panel" in comp:
                panel_specs.append(_check_panel_extras(p, comp, cpath, library))
            elif isinstance(comp.get("indicators"), list):
                engine_comp = engine_data["components"][c]
                engine_comp["indicators"] = list(engine_comp["indicators"])
                for j, ind in enumerate(comp["indicators"]):
                    if not isinstance(ind, Mapping):
                        continue
                    ipath = f"{cpath}.indicators[{j}]"
                    spec, engine_ind = _check_indicator_extras(p, ind, ipath, library)
                    spec["component"] = code
                    indicator_specs.append(spec)
                    engine_comp["indicators"][j] = engine_ind
    scheme: Scheme | None = None
    try:
        scheme = parse_scheme(engine_data, path=path)
    except EngineInputError as exc:
        for item in exc.errors:
            p.add(item.get("field") or path, item.get("message", ""))
    if p.details or scheme is None:
        raise ValidationFailed(_("The scheme is not valid."), p.details)
    weights = {ind.code: ind for ind in scheme.indicators}
    comp_weights = {comp.code: comp.weight for comp in scheme.components}
    indicators = tuple(
        IndicatorSpec(
            code=s["code"],
            column=column,
            component=s["component"],
            label=s["label"],
            weight=weights[s["code"]].weight,
            link=s["link"],
            source=s["source"],
            rule=s["rule"],
            plan_fields=s["plan_fields"],
            evaluators=s["evaluators"],
            time_aggregate=weights[s["code"]].time_aggregate,
            rubric=s["rubric"],
        )
        for column, s in enumerate(indicator_specs)
    )
    panels = tuple(
        PanelSpec(
            code=s["code"],
            label=s["label"],
            weight=comp_weights[s["code"]],
            source=s["source"],
            evaluators=s["evaluators"],
            link=s["link"],
            rubric=s["rubric"],
        )
        for s in panel_specs
    )
    comps = tuple(
        ComponentSpec(c["code"], str(c["label"]), comp_weights[c["code"]], c["panel"])
        for c in component_specs
    )
    links = tuple(
        sorted(
            {i.link.code for i in indicators if i.link} | {pn.link.code for pn in panels if pn.link}
        )
    )
    return SchemeSpec(
        definition=data,
        engine=scheme,
        components=comps,
        indicators=indicators,
        panels=panels,
        bonus_label=str(data.get("bonus_label") or ""),
        links=links,
    )


def _check_text(p: Problems, value: Any, field_path: str, max_length: int) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        p.add(field_path, _("Must be text."))
    elif len(value) > max_length:
        p.add(field_path, _("At most %(n)d characters.") % {"n": max_length})


def _check_evaluators(p: Problems, value: Any, field_path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        p.add(field_path, _("Must be a list of evaluator kinds."))
        return ()
    bad = [k for k in value if k not in TASK_KINDS]
    if bad:
        p.add(
            field_path,
            _("Unknown evaluator kind %(kind)s (one of: %(kinds)s).")
            % {"kind": bad[0], "kinds": ", ".join(TASK_KINDS)},
        )
        return ()
    if len(set(value)) != len(value):
        p.add(field_path, _("An evaluator kind is listed twice."))
        return ()
    return tuple(value)


def _check_source(
    p: Problems, value: Any, allowed: tuple[str, ...], default: str, field_path: str
) -> str:
    if value is None:
        return default
    if value not in allowed:
        p.add(
            field_path,
            _("Unknown source %(source)s (one of: %(sources)s).")
            % {"source": value, "sources": ", ".join(allowed)},
        )
        return default
    return str(value)


def _check_panel_extras(
    p: Problems, comp: Mapping[str, Any], cpath: str, library: Mapping[str, LibraryIndicator]
) -> dict[str, Any]:
    evaluators = _check_evaluators(p, comp.get("evaluators"), f"{cpath}.evaluators")
    source = _check_source(
        p,
        comp.get("source"),
        PANEL_SOURCES,
        "tasks" if evaluators else "import",
        f"{cpath}.source",
    )
    if source == "tasks" and not evaluators:
        p.add(f"{cpath}.evaluators", _("Name the evaluator kinds that score this component."))
    if source != "tasks" and evaluators:
        p.add(f"{cpath}.evaluators", _("Only a component scored by tasks has evaluators."))
    link = None
    if source == "indicator":
        code = comp.get("indicator")
        link = library.get(code) if isinstance(code, str) else None
        if link is None:
            p.add(f"{cpath}.indicator", _("Name a library indicator that feeds this component."))
    rubric = _check_panel_rubric(p, comp.get("rubric"), f"{cpath}.rubric")
    return {
        "code": comp.get("code"),
        "label": comp.get("label") or comp.get("code"),
        "source": source,
        "evaluators": evaluators,
        "link": link,
        "rubric": rubric,
    }


def _check_panel_rubric(p: Problems, value: Any, field_path: str) -> tuple[dict[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        p.add(field_path, _("A rubric is a non-empty list of levels."))
        return ()
    levels: list[dict[str, Any]] = []
    for i, level in enumerate(value):
        lpath = f"{field_path}[{i}]"
        if not isinstance(level, Mapping) or not isinstance(level.get("name"), str):
            p.add(lpath, _("A level needs a name, min and max."))
            continue
        low, high = level.get("min"), level.get("max")
        ok = True
        for key, bound in (("min", low), ("max", high)):
            if (
                isinstance(bound, bool)
                or not isinstance(bound, int | float)
                or not 0 <= bound <= 100
            ):
                p.add(f"{lpath}.{key}", _("A score between 0 and 100."))
                ok = False
        if ok and not low < high:
            p.add(f"{lpath}.max", _("The maximum must exceed the minimum."))
            ok = False
        _check_text(p, level.get("description"), f"{lpath}.description", 500)
        if ok:
            levels.append(
                {
                    "name": level["name"],
                    "min": float(low),
                    "max": float(high),
                    "description": level.get("description") or "",
                }
            )
    names = [lv["name"] for lv in levels]
    if len(set(names)) != len(names):
        p.add(field_path, _("Level names must be unique."))
    ordered = sorted(levels, key=lambda lv: lv["min"])
    for a, b in itertools.pairwise(ordered):
        if b["min"] < a["max"]:
            p.add(
                field_path,
                _("Levels %(a)s and %(b)s overlap.") % {"a": a["name"], "b": b["name"]},
            )
    return tuple(sorted(levels, key=lambda lv: -lv["min"]))


def _check_indicator_extras(
    p: Problems, ind: Mapping[str, Any], ipath: str, library: Mapping[str, LibraryIndicator]
) -> tuple[dict[str, Any], dict[str, Any]]:
    engine_ind = dict(ind)
    code = ind.get("code")
    _check_text(p, ind.get("label"), f"{ipath}.label", MAX_LABEL)
    link: LibraryIndicator | None = None
    if "indicator" in ind:
        name = ind.get("indicator")
        link = library.get(name) if isinstance(name, str) else None
        if link is None:
            p.add(f"{ipath}.indicator", _("Unknown library indicator %(code)s.") % {"code": name})
    elif isinstance(code, str):
        link = library.get(code)
    evaluators = _check_evaluators(p, ind.get("evaluators"), f"{ipath}.evaluators")
    rule = ind.get("rule")
    kind = rule.get("kind") if isinstance(rule, Mapping) else None
    default_source = "data" if link else ("tasks" if evaluators else "import")
    source = _check_source(
        p, ind.get("source"), INDICATOR_SOURCES, default_source, f"{ipath}.source"
    )
    if source == "data" and link is None and "indicator" not in ind:
        p.add(f"{ipath}.indicator", _("Data come from a library indicator: name it."))
    if source == "tasks":
        if kind != "rubric":
            p.add(f"{ipath}.source", _("Only a qualitative (rubric) indicator is scored by tasks."))
        if not evaluators:
            p.add(f"{ipath}.evaluators", _("Name the evaluator kinds that score this indicator."))
    elif evaluators:
        p.add(f"{ipath}.evaluators", _("Only an indicator scored by tasks has evaluators."))

    plan_fields: tuple[str, ...] = ()
    if isinstance(rule, Mapping):
        engine_rule = dict(rule)
        planned = tuple(k for k, v in rule.items() if v == FROM_PLAN)
        if planned:
            allowed = PLAN_FIELDS.get(str(kind), ())
            for key in planned:
                if key not in allowed:
                    p.add(
                        f"{ipath}.rule.{key}",
                        _("%(field)s cannot come from the plan for a %(kind)s rule.")
                        % {"field": key, "kind": kind},
                    )
            if all(k in allowed for k in planned):
                plan_fields = tuple(k for k in allowed if k in planned)
                engine_rule.update(NORMALISED[str(kind)])
        if kind == "rubric" and "levels" not in rule and link and link.rubric_levels:
            engine_rule["levels"] = {k: list(v) for k, v in link.rubric_levels.items()}
        engine_ind["rule"] = engine_rule
    if "time_aggregate" not in ind and link is not None and kind != "rubric":
        engine_ind["time_aggregate"] = link.time_aggregation
    rubric = ind.get("rubric")
    descriptions: dict[str, str] = {}
    if rubric is not None:
        if not isinstance(rubric, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in rubric.items()
        ):
            p.add(f"{ipath}.rubric", _("Describe each level as text: {level: description}."))
        else:
            descriptions = dict(rubric)
    elif link is not None and link.rubric_descriptions:
        descriptions = dict(link.rubric_descriptions)
    label = ind.get("label") or (link.name if link else code)
    return (
        {
            "code": code,
            "label": label,
            "link": link,
            "source": source,
            "rule": dict(engine_ind.get("rule") or {}) if not plan_fields else dict(rule),
            "plan_fields": plan_fields,
            "evaluators": evaluators,
            "rubric": descriptions,
        },
        engine_ind,
    )
