"""Validation rules over a batch of values: range, required, expression and jump.

``validate_batch`` is called by ``data.writer.write_batch`` for every write — the
entry form, imports, the API and connectors — and by the entry form's cell check
and the quality screen. It works on whole columns with NumPy: stored values the
rules need (other indicators, the previous period, the same period last year)
are loaded once, packed into integer keys and looked up with ``searchsorted``,
never row by row. A ``block`` rule's findings are errors (the writer refuses the
batch), a ``warn`` rule's are warnings.

Values of the batch take precedence over stored ones: a rule sees the store as
it will be after the write. Rules read plain values: an expression or a jump
compares values of the same disaggregation (category and attribute).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

from govperf.core.errors import ErrorDetail
from govperf.data.batch import ValueBatch
from govperf.engine.formula import Expr, FormulaSyntaxError, evaluate_array, parse, references
from govperf.engine.periods import Period, PeriodKind

# Comparison operators an expression rule may use between its two sides.
OPERATORS = ("<", "<=", ">", ">=", "==", "!=")
JUMP_COMPARE = ("prev", "lastyear")

# A key of the store: (indicator id, unit id, period code, category, attribute).
Key = tuple[int, int, str, str, str]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Finding:
    """One rule broken by one row of the batch (``position`` is its index in the batch)."""

    position: int
    rule_id: int
    rule_code: str
    kind: str
    severity: str
    message: str
    value: Any


@dataclass
class ValidationReport:
    """What the rules found: ``errors`` block the write, ``warnings`` do not."""

    errors: list[ErrorDetail] = field(default_factory=list)
    warnings: list[ErrorDetail] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_positions(self) -> set[int]:
        return {f.position for f in self.findings if f.severity == "block"}


@dataclass(frozen=True)
class Rule:
    """A rule as the checks read it: parsed and resolved once per call."""

    id: int
    code: str
    name: str
    kind: str
    indicator_id: int
    severity: str
    message: str
    params: Mapping[str, Any]
    expr: Expr | None = None  # expression rules: "(left) op (right)"
    # Expression rules: reference key ("A@prev") → (indicator id, offset or "").
    refs: tuple[tuple[str, int, str], ...] = ()


# --- the rules' parameters --------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return float(number) if number.is_finite() else None


def _plain(raw: Any) -> str:
    """A number as plain decimal text without trailing zeros: "100", "0.5"."""
    return format(Decimal(str(raw).strip()).normalize(), "f")


def expression_text(params: Mapping[str, Any]) -> str:
    """The formula an expression rule evaluates: 1 where it holds, 0 where it is broken."""
    return f"({params.get('left', '')}) {params.get('op', '')} ({params.get('right', '')})"


def clean_params(kind: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[ErrorDetail]]:
    """Check and normalise a rule's parameters; located problems name the parameter."""
    problems: list[ErrorDetail] = []
    out: dict[str, Any] = {}

    def bad(name: str, message: str, value: Any = None) -> None:
        problems.append(ErrorDetail(field=f"params.{name}", message=message, value=value))

    if kind == "range":
        for name in ("min", "max"):
            raw = params.get(name)
            if raw in (None, ""):
                continue
            number = _number(raw)
            if number is None:
                bad(name, _("Not a number."), raw)
            else:
                out[name] = _plain(raw)
        if not out:
            bad("min", _("Give a minimum, a maximum or both."))
        elif "min" in out and "max" in out and float(out["min"]) > float(out["max"]):
            bad("max", _("The maximum is below the minimum."), out["max"])
    elif kind == "required":
        pass
    elif kind == "expression":
        op = str(params.get("op", "")).strip()
        if op not in OPERATORS:
            bad("op", _("Use one of %(ops)s.") % {"ops": " ".join(OPERATORS)}, op)
        out["op"] = op
        for name in ("left", "right"):
            text = str(params.get(name, "") or "").strip()
            if not text:
                bad(name, _("This is required."))
                continue
            try:
                parse(text)
            except FormulaSyntaxError as exc:
                bad(name, _("Column %(pos)s: %(msg)s") % {"pos": exc.position, "msg": exc.message})
            out[name] = text
    elif kind == "jump":
        compare = str(params.get("compare", "")).strip()
        if compare not in JUMP_COMPARE:
            bad("compare", _("Compare with the previous period or the same period last year."))
        out["compare"] = compare
        raw = params.get("max_percent")
        number = _number(raw)
        if number is None or number <= 0:
            bad("max_percent", _("A percentage above 0."), raw)
        else:
            out["max_percent"] = _plain(raw)
    else:
        problems.append(ErrorDetail(field="kind", message=_("Unknown rule kind."), value=kind))
    return out, problems


def _load_rules(indicator_ids: IntArray) -> list[Rule]:
    """Active rules that values of these indicators can break."""
    from govperf.data.models import ValidationRule
    from govperf.indicators.models import Indicator

    present = {int(i) for i in indicator_ids}
    rows = list(
        ValidationRule.objects.filter(is_active=True).values(
            "id", "code", "name", "kind", "indicator_id", "severity", "message", "params"
        )
    )
    exprs: dict[int, Expr] = {}
    codes: set[str] = set()
    for row in rows:
        if row["kind"] == "expression":
            try:
                exprs[row["id"]] = parse(expression_text(row["params"]))
            except FormulaSyntaxError:  # refused when saved; an old broken rule checks nothing
                continue
            codes |= {ref.code for ref in references(exprs[row["id"]])}
    code_ids = dict(Indicator.objects.filter(code__in=codes).values_list("code", "id"))
    rules = []
    for row in rows:
        refs: tuple[tuple[str, int, str], ...] = ()
        expr = exprs.get(row["id"])
        if row["kind"] == "expression":
            if expr is None:
                continue
            refs = tuple(
                sorted(
                    (ref.key, code_ids.get(ref.code, -1), ref.offset or "")
                    for ref in references(expr)
                )
            )
            touched = {ind for _key, ind, _off in refs} | {row["indicator_id"]}
            if not touched & present:
                continue
        elif row["indicator_id"] not in present:
            continue
        rules.append(
            Rule(
                id=row["id"],
                code=row["code"],
                name=row["name"],
                kind=row["kind"],
                indicator_id=row["indicator_id"],
                severity=row["severity"],
                message=row["message"],
                params=row["params"] or {},
                expr=expr,
                refs=refs,
            )
        )
    return rules


# --- keys and the store --------------------------------------------------------------------


class _Periods:
    """Period codes as small integers, with their neighbours by offset."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.codes: list[str] = []
        self._shift: dict[tuple[int, str], int] = {}

    def id(self, code: str) -> int:
        found = self.index.get(code)
        if found is None:
            found = self.index[code] = len(self.codes)
            self.codes.append(code)
        return found

    def ids(self, codes: Sequence[str]) -> IntArray:
        index = self.index
        for code in set(codes) - index.keys():
            self.id(code)
        return np.fromiter((index[c] for c in codes), dtype=np.int64, count=len(codes))

    def shifted(self, ids: IntArray, offset: str, *, back: bool = True) -> IntArray:
        """The period ``offset`` away from each (``prev``/``lastyear``); -1 where there is none.

        ``back=False`` goes the other way: the period whose ``offset`` is this one.
        """
        if not offset:
            return ids
        unique = np.unique(ids)
        table = np.full(int(unique.max()) + 1 if unique.size else 0, -1, dtype=np.int64)
        for pid in unique.tolist():
            table[pid] = self._neighbour(pid, offset, back)
        return table[ids]

    def _neighbour(self, pid: int, offset: str, back: bool) -> int:
        key = (pid, f"{offset}{'-' if back else '+'}")
        if key not in self._shift:
            try:
                period = Period.parse(self.codes[pid])
                if offset == "prev":
                    other = period.prev() if back else period.next()
                else:
                    other = period.last_year() if back else period.next_year()
                self._shift[key] = self.id(other.code)
            except ValueError:
                self._shift[key] = -1
        return self._shift[key]


class _Keys:
    """Packs (indicator, unit, period, disaggregation) into one int64, over dense ranks."""

    def __init__(self, indicators: IntArray, units: IntArray, n_periods: int, n_disagg: int):
        self.ind_values = np.unique(indicators)
        self.unit_values = np.unique(units)
        self.n_ind = max(len(self.ind_values), 1)
        self.n_unit = max(len(self.unit_values), 1)
        self.n_per = max(n_periods, 1) + 64  # room for neighbours found later
        self.n_dis = max(n_disagg, 1)
        if float(self.n_ind) * self.n_unit * self.n_per * self.n_dis >= 2.0**62:
            raise OverflowError("too many distinct keys to pack")

    def _rank(self, values: npt.NDArray[np.int64], table: npt.NDArray[np.int64]) -> IntArray:
        pos = np.searchsorted(table, values)
        pos = np.clip(pos, 0, len(table) - 1) if len(table) else pos
        ok = (table[pos] == values) if len(table) else np.zeros(len(values), bool)
        return np.where(ok, pos, -1)

    def pack(self, ind: IntArray, unit: IntArray, per: IntArray, dis: IntArray) -> IntArray:
        """Packed keys; -1 where a part is unknown (such a key matches nothing)."""
        i = self._rank(ind, self.ind_values)
        u = self._rank(unit, self.unit_values)
        bad = (i < 0) | (u < 0) | (per < 0) | (per >= self.n_per) | (dis < 0)
        key = ((i * self.n_unit + u) * self.n_per + per) * self.n_dis + dis
        return np.where(bad, -1, key)


class _Store:
    """Values by packed key: the batch over the stored values, looked up in bulk."""

    def __init__(self, keys: IntArray, values: FloatArray) -> None:
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        sorted_values = values[order]
        # Where a key repeats, the last one (the batch, appended after the store) wins.
        last = np.ones(len(sorted_keys), dtype=bool)
        if len(sorted_keys) > 1:
            last[:-1] = sorted_keys[:-1] != sorted_keys[1:]
        self.keys = sorted_keys[last]
        self.values = sorted_values[last]

    def get(self, keys: IntArray) -> FloatArray:
        if not len(self.keys):
            return np.full(len(keys), np.nan)
        pos = np.clip(np.searchsorted(self.keys, keys), 0, len(self.keys) - 1)
        found = (self.keys[pos] == keys) & (keys >= 0)
        return np.where(found, self.values[pos], np.nan)


def _stored_rows(
    previous: Mapping | None,
    indicator_ids: set[int],
    unit_ids: IntArray,
    period_codes: set[str],
) -> tuple[list[int], list[int], list[str], list[str], list[str], list[float]]:
    """Stored values of these indicators in these periods (and units), as columns."""
    ind: list[int] = []
    unit: list[int] = []
    per: list[str] = []
    cat: list[str] = []
    att: list[str] = []
    val: list[float] = []
    if not indicator_ids or not period_codes:
        return ind, unit, per, cat, att, val
    rows: Iterable[tuple]
    if previous is not None:
        units = set(unit_ids.tolist())
        rows = (
            (i, u, p, c, a, v)
            for (i, u, p, c, a), v in previous.items()
            if i in indicator_ids and p in period_codes and u in units
        )
    else:
        from govperf.data.models import DataValue

        qs = DataValue.objects.filter(
            indicator_id__in=sorted(indicator_ids), period__in=sorted(period_codes)
        )
        distinct_units = np.unique(unit_ids)
        # Few units: filtered by the database; many: below (a long IN list costs more).
        wanted = set(distinct_units.tolist()) if len(distinct_units) > 500 else None
        if wanted is None:
            qs = qs.filter(unit_id__in=distinct_units.tolist())
        rows = (
            r
            for r in qs.values_list(
                "indicator_id", "unit_id", "period", "category", "attribute", "value"
            ).iterator(chunk_size=20000)
            if wanted is None or r[1] in wanted
        )
    for i, u, p, c, a, v in rows:
        ind.append(i)
        unit.append(u)
        per.append(p)
        cat.append(c)
        att.append(a)
        val.append(np.nan if v is None else float(v))
    return ind, unit, per, cat, att, val


def _disaggregations(categories: Sequence[str], attributes: Sequence[str], table: dict) -> IntArray:
    if not any(categories) and not any(attributes):
        table.setdefault(("", ""), 0)
        return np.zeros(len(categories), dtype=np.int64)
    out = np.empty(len(categories), dtype=np.int64)
    for n, pair in enumerate(zip(categories, attributes, strict=True)):
        found = table.get(pair)
        if found is None:
            found = table[pair] = len(table)
        out[n] = found
    return out


# --- the checks --------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    """A number as a person writes it: no trailing ".0", no exponent for ordinary sizes."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = repr(x)
    if "e" in text:
        return format(Decimal(text).normalize(), "f")
    return text


class _Check:
    """One call of ``validate_batch``: the batch's columns and the store they look into."""

    def __init__(self, batch: ValueBatch, rules: list[Rule], previous: Mapping | None) -> None:
        self.batch = batch
        self.rules = rules
        self.n = len(batch)
        self.ind = np.asarray(batch.indicator_ids, dtype=np.int64)
        self.unit = np.asarray(batch.unit_ids, dtype=np.int64)
        self.values = batch.floats()
        self.has_level = np.fromiter((bool(x) for x in batch.levels), dtype=bool, count=self.n)
        self.periods = _Periods()
        self.per = self.periods.ids(batch.periods)
        self.disagg_table: dict[tuple[str, str], int] = {}
        self.dis = _disaggregations(batch.categories, batch.attributes, self.disagg_table)
        # Per rule that found something: (rule, positions, messages).
        self.found: list[tuple[Rule, IntArray, list[str]]] = []
        self._store: _Store | None = None
        self._keys: _Keys | None = None
        self.previous = previous
        self.wrap = _("%(message)s (rule %(code)s)")

    # The store is built once, for every indicator and period any rule may read.
    def prepare_store(self) -> None:
        needed_ind: set[int] = set()
        needed_per: set[int] = set()
        base_periods = np.unique(self.per)
        for rule in self.rules:
            if rule.kind == "jump":
                offset = rule.params.get("compare", "")
                needed_ind.add(rule.indicator_id)
                needed_per |= set(self.periods.shifted(base_periods, offset).tolist())
            elif rule.kind == "expression":
                for _key, ind, offset in rule.refs:
                    needed_ind.add(ind)
                    needed_per |= set(self.periods.shifted(base_periods, offset).tolist())
        needed_per.discard(-1)
        codes = {self.periods.codes[p] for p in needed_per}
        s_ind, s_unit, s_per, s_cat, s_att, s_val = _stored_rows(
            self.previous, needed_ind - {-1}, self.unit, codes
        )
        stored_ind = np.asarray(s_ind, dtype=np.int64)
        stored_unit = np.asarray(s_unit, dtype=np.int64)
        stored_per = self.periods.ids(s_per)
        stored_dis = _disaggregations(s_cat, s_att, self.disagg_table)
        self._keys = _Keys(
            np.concatenate([self.ind, stored_ind, np.asarray(sorted(needed_ind), np.int64)]),
            np.concatenate([self.unit, stored_unit]),
            len(self.periods.codes),
            len(self.disagg_table),
        )
        keys = self._keys
        all_keys = np.concatenate(
            [
                keys.pack(stored_ind, stored_unit, stored_per, stored_dis),
                keys.pack(self.ind, self.unit, self.per, self.dis),
            ]
        )
        all_values = np.concatenate([np.asarray(s_val, dtype=np.float64), self.values])
        self._store = _Store(all_keys, all_values)

    def lookup(self, ind: IntArray, unit: IntArray, per: IntArray, dis: IntArray) -> FloatArray:
        assert self._store is not None and self._keys is not None
        return self._store.get(self._keys.pack(ind, unit, per, dis))

    def add(self, rule: Rule, positions: IntArray, messages: list[str]) -> None:
        if len(positions):
            self.found.append((rule, np.asarray(positions, dtype=np.int64), messages))

    def findings(self) -> list[Finding]:
        """Every finding, by position in the batch, then by rule code."""
        if not self.found:
            return []
        positions = np.concatenate([pos for _rule, pos, _msgs in self.found])
        codes = sorted({rule.code for rule, _pos, _msgs in self.found})
        rank = {code: i for i, code in enumerate(codes)}
        rule_rank = np.concatenate(
            [np.full(len(pos), rank[rule.code]) for rule, pos, _msgs in self.found]
        )
        which = np.concatenate([np.full(len(pos), i) for i, (_r, pos, _m) in enumerate(self.found)])
        within = np.concatenate([np.arange(len(pos)) for _rule, pos, _msgs in self.found])
        order = np.lexsort((rule_rank, positions))
        values, levels = self.batch.values, self.batch.levels
        out = []
        for k in order.tolist():
            rule, _pos, messages = self.found[which[k]]
            pos = int(positions[k])
            out.append(
                Finding(
                    position=pos,
                    rule_id=rule.id,
                    rule_code=rule.code,
                    kind=rule.kind,
                    severity=rule.severity,
                    message=messages[within[k]],
                    value=values[pos] or levels[pos],
                )
            )
        return out

    def label(self, rule: Rule, default: str) -> str:
        """The message of a finding: the rule's own text, or ``default``, and the rule's code."""
        return self.wrap % {"message": rule.message or default, "code": rule.code}

    # -- the four kinds ---------------------------------------------------------------------

    def range(self, rule: Rule) -> None:
        mine = self.ind == rule.indicator_id
        low, high = _number(rule.params.get("min")), _number(rule.params.get("max"))
        v = self.values
        with np.errstate(invalid="ignore"):
            below = mine & (v < low) if low is not None else np.zeros(self.n, bool)
            above = mine & (v > high) if high is not None else np.zeros(self.n, bool)
        for where, bound, text in (
            (below, low, _("Below the minimum %(bound)s")),
            (above, high, _("Above the maximum %(bound)s")),
        ):
            positions = np.flatnonzero(where)
            if positions.size:
                message = self.label(rule, text % {"bound": _fmt(bound)})
                self.add(rule, positions, [message] * positions.size)

    def required(self, rule: Rule, planned: set[tuple[int, int, str]]) -> None:
        empty = (self.ind == rule.indicator_id) & np.isnan(self.values) & ~self.has_level
        positions = np.flatnonzero(empty)
        hits = [
            pos
            for pos in positions.tolist()
            if any(
                (rule.indicator_id, int(self.unit[pos]), code) in planned
                for code in containing(self.batch.periods[pos])
            )
        ]
        if hits:
            message = self.label(rule, _("A value is required: the unit has a target for it"))
            self.add(rule, np.asarray(hits, dtype=np.int64), [message] * len(hits))

    def jump(self, rule: Rule) -> None:
        offset = rule.params.get("compare", "prev")
        limit = _number(rule.params.get("max_percent"))
        if limit is None:
            return
        positions = np.flatnonzero((self.ind == rule.indicator_id) & ~np.isnan(self.values))
        if not positions.size:
            return
        ref_per = self.periods.shifted(self.per[positions], offset)
        ref = self.lookup(self.ind[positions], self.unit[positions], ref_per, self.dis[positions])
        v = self.values[positions]
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.abs(v - ref) / np.abs(ref) * 100.0
        # From zero to anything else is an unbounded jump.
        change = np.where((ref == 0) & (v != 0), np.inf, np.where(ref == 0, 0.0, change))
        broken = ~np.isnan(ref) & (change > limit)
        if not broken.any():
            return
        what = _("the previous period") if offset == "prev" else _("the same period last year")
        template = self.label(
            rule,
            _("Changed by %(change)s%% against %(what)s (%(ref)s); at most %(limit)s%%")
            % {"change": "\x00C", "what": what, "ref": "\x00R", "limit": _fmt(limit)},
        )
        head, _sep, rest = template.partition("\x00C")
        middle, _sep, tail = rest.partition("\x00R")
        changes = np.round(change[broken], 1)
        messages = [
            f"{head}{'∞' if c == np.inf else _fmt(c)}{middle}{_fmt(r)}{tail}"
            for c, r in zip(changes.tolist(), ref[broken].tolist(), strict=True)
        ]
        self.add(rule, positions[broken], messages)

    def expression(self, rule: Rule) -> None:
        touched = {ind for _key, ind, _off in rule.refs} | {rule.indicator_id}
        rows = np.flatnonzero(np.isin(self.ind, np.fromiter(touched, dtype=np.int64)))
        if not rows.size:
            return
        # One evaluation per (unit, period, disaggregation) the batch touches; rows of the
        # rule's own indicator first, so that a breach is located at one of them if any.
        not_anchor = (self.ind[rows] != rule.indicator_id).astype(np.int64)
        point_keys = (self.unit[rows] * (len(self.periods.codes) + 64) + self.per[rows]) * max(
            len(self.disagg_table), 1
        ) + self.dis[rows]
        order = np.lexsort((rows, not_anchor, point_keys))
        rows, point_keys = rows[order], point_keys[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = point_keys[1:] != point_keys[:-1]
        p_rows = rows[first]
        p_unit, p_per, p_dis = self.unit[p_rows], self.per[p_rows], self.dis[p_rows]
        arrays = {
            key: self.lookup(
                np.full(len(p_rows), ind), p_unit, self.periods.shifted(p_per, off), p_dis
            )
            for key, ind, off in rule.refs
        }
        assert rule.expr is not None
        result = evaluate_array(rule.expr, arrays, shape=(len(p_rows),)).value
        broken = np.flatnonzero(result == 0)  # NaN (a side without value) is not a breach
        if not broken.size:
            return
        default = _("%(left)s %(op)s %(right)s does not hold") % {
            "left": rule.params.get("left", ""),
            "op": rule.params.get("op", ""),
            "right": rule.params.get("right", ""),
        }
        columns = {key: arrays[key][broken].tolist() for key, _ind, _off in rule.refs}
        messages = [
            self.label(
                rule,
                default
                + " ("
                + ", ".join(
                    f"{key}={'—' if np.isnan(columns[key][k]) else _fmt(columns[key][k])}"
                    for key, _ind, _off in rule.refs
                )
                + ")",
            )
            for k in range(broken.size)
        ]
        self.add(rule, p_rows[broken], messages)


def containing(code: str) -> list[str]:
    """The period and every coarser period it rolls up into (a month → quarter, half, year):
    where a target for it may be set."""
    try:
        period = Period.parse(code)
    except ValueError:
        return [code]
    out = [code]
    for kind in (PeriodKind.QUARTERLY, PeriodKind.SIX_MONTHLY, PeriodKind.YEARLY):
        if kind.rank > period.kind.rank:
            try:
                out.append(period.parent(kind).code)
            except ValueError:
                continue
    return out


def _planned_keys(check: _Check, rules: list[Rule]) -> set[tuple[int, int, str]]:
    """(indicator, unit, period) of the targets the required rules' empty rows might fall under."""
    from govperf.plans.models import Target

    required = {r.indicator_id for r in rules if r.kind == "required"}
    if not required:
        return set()
    empty = np.isin(check.ind, np.fromiter(required, dtype=np.int64)) & np.isnan(check.values)
    if not empty.any():
        return set()
    units = np.unique(check.unit[empty]).tolist()
    periods = {
        c for pos in np.flatnonzero(empty).tolist() for c in containing(check.batch.periods[pos])
    }
    rows = Target.objects.filter(indicator_id__in=sorted(required), period__in=sorted(periods))
    if len(units) <= 500:
        rows = rows.filter(unit_id__in=units)
    return set(rows.values_list("indicator_id", "unit_id", "period"))


def validate_batch(batch: ValueBatch, *, previous: Mapping | None = None) -> ValidationReport:
    """Run every active rule on ``batch``.

    ``previous``, when given, is the store the rules read instead of the database:
    a mapping ``(indicator_id, unit_id, period, category, attribute) → number or None``
    (tests, benchmarks, or a caller that holds the values already). Findings are
    located at ``batch.rows[i]``, column ``value``.
    """
    report = ValidationReport()
    if not len(batch):
        return report
    rules = _load_rules(np.unique(np.asarray(batch.indicator_ids, dtype=np.int64)))
    if not rules:
        return report
    check = _Check(batch, rules, previous)
    if any(r.kind in ("jump", "expression") for r in rules):
        check.prepare_store()
    planned = _planned_keys(check, rules)
    for rule in rules:
        if rule.kind == "required":
            check.required(rule, planned)
        else:
            getattr(check, rule.kind)(rule)
    report.findings = check.findings()
    for finding in report.findings:
        detail = ErrorDetail(
            message=finding.message,
            row=batch.rows[finding.position],
            column="value",
            value=finding.value,
        )
        (report.errors if finding.severity == "block" else report.warnings).append(detail)
    return report
