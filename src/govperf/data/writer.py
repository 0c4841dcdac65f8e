"""The one path by which values are written: forms, the API, imports and connectors.

A write is a session (:func:`open_session`; :func:`write_batch` for a batch in hand):

1. **Stage.** Rows go, as they come, into a temporary table of text columns — with
   ``COPY`` on PostgreSQL, and for a long-format CSV file its bytes go there as they
   are (:meth:`WriteSession.copy_csv`), so no Python object is made per row and memory
   stays flat however large the file. A row names its indicator and unit by id
   (:meth:`WriteSession.add`, a :class:`~govperf.data.batch.ValueBatch`) or by code
   (:meth:`WriteSession.add_codes`, files and connectors).
2. **Resolve, in SQL.** The few distinct indicators, units and periods are looked up
   once in Python (periods parsed by ``engine.periods``, permission by
   ``orgs.policy``, rubric levels, period locks) into small temporary tables; one
   ``CREATE TABLE … AS SELECT`` joins them to the stage, giving each row its ids, its
   canonical period, its number, and the first problem it has: unknown or inactive
   indicator or unit, a unit out of reach (``ENTER_DATA``, or ``IMPORT_DATA`` for an
   import, narrowed by an API token), a formula indicator, a bad period or one of
   another frequency, a level not in the rubric, a number that is not one, a key text
   too long.
3. **Check the rest.** The validation rules (``data.validation.validate_batch``,
   NumPy) see only the rows of the indicators they concern, fetched unit by unit; then
   period locks (``data.locks``), keys given twice, and stored values past draft
   (``data.workflow.WRITABLE``). Keys given twice are found by the unique index when
   the batch is written, and by a query when anything else is wrong (so that every
   error is reported) or for a dry run.
4. **Refuse or write.** With any error nothing is written and every error comes back
   with its row and column (the first ``max_errors``, and how many more). A dry run
   stops here, with the counts it would write. Otherwise, in one transaction: changed
   stored values are updated with a ``DataValueChange`` each, new keys inserted, one
   audit entry recorded, and the formula indicators reading the touched values
   recomputed (``data.formulas.recompute``).

A new value's creation is recorded on the value row itself (``created_at``,
``created_by``, ``created_source``, ``created_batch``) rather than as a history row —
half the writes of a first import; every later change has its ``DataValueChange``
(``data.selectors.history`` shows both).

A killed import leaves nothing: the staging tables belong to the database session and
the values are written in one transaction. A rerun creates no duplicates: new keys are
inserted only where the unique key is free, and if another writer took one meanwhile
the whole batch goes through ``INSERT … ON CONFLICT DO UPDATE`` instead.

An approved correction (``data.locks.applying_corrections``) frees exactly its keys
from the period lock, the status check and the unit-permission check: the office that
approves it writes it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import numpy as np
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import ErrorDetail, Forbidden, ValidationFailed
from govperf.data.batch import ValueBatch
from govperf.engine.periods import Period

MAX_ERRORS = 1000
KEY_LENGTH = 64  # category, attribute and level columns
SOURCES = ("form", "import", "api", "connector", "formula")
# Plain decimals as NUMERIC(24, 6) takes them; anything else is checked by Python's Decimal.
PLAIN = r"^-?[0-9]{1,18}(\.[0-9]{1,6})?$"
_PLAIN = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,6})?\Z")
# What str.strip() removes from a rubric level, as far as SQL's trim is told.
SPACES = " \t\n\r\x0b\x0c\u00a0\u3000"
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Rows the validation rules see at once (cut at a unit's end, so a unit is never split).
RULE_CHUNK = 50_000
# Bytes of a CSV file per COPY statement (progress is reported between them).
COPY_PIECE = 4 << 20

# A staged row's problem: an indicator and a unit problem (both may be reported) ...
IND_CODE, IND_BAD, UNIT_CODE, UNIT_BAD, DENIED = 1, 2, 4, 8, 16
# ... and, only for rows without those, the first of these (times 32).
FORMULA, BAD_PERIOD, WRONG_KIND, BAD_LEVEL, NOT_LEVEL, BAD_NUMBER, LONG_CAT, LONG_ATT = range(1, 9)
OTHER = 32

# Staged columns, in COPY order (``row`` first).
STAGE_COLUMNS = (
    "row",
    "ind",
    "unit",
    "period",
    "value",
    "level",
    "comment",
    "category",
    "attribute",
    "stored_by",
    "followup",
    "last_updated",
    "data_set",
    "completed",
)
# Columns that may be absent (NULL): comment (keep the stored one) and DHIS2's extras.
ORIGIN = ("stored_by", "followup", "last_updated", "data_set", "completed")
NULLABLE = {"comment", *ORIGIN}
TABLES = ("stage", "res", "ind", "unit", "per", "level", "lock", "free", "fix")


class SystemActor:
    """Writes made by the system itself: the console operator (``govperf data import``
    without ``--as``) or a connector. Reaches every unit, like the office; audited
    under ``label`` with no person."""

    pk = None
    is_authenticated = False
    is_active = True

    def __init__(self, label: str = "system") -> None:
        self.label = label
        self.username = label

    def __repr__(self) -> str:
        return f"SystemActor({self.label!r})"


SYSTEM = SystemActor()


@dataclass
class WriteResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    recomputed: int = 0
    errors: list[ErrorDetail] = field(default_factory=list)
    warnings: list[ErrorDetail] = field(default_factory=list)
    # More errors were found than are listed.
    more_errors: int = 0
    forbidden: bool = False
    dry_run: bool = False
    batch_id: str = ""
    # Rows of a file left out for having neither value nor level (CSV fast path).
    blank: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "recomputed": self.recomputed,
        }

    def raise_for_errors(self) -> None:
        """Raise the refusal as a domain error: ``Forbidden`` when a unit was out of reach."""
        if self.ok:
            return
        if self.forbidden:
            exc = Forbidden(
                _("You may not enter data for some of these units; nothing was written.")
            )
            exc.details = list(self.errors)
            raise exc
        raise ValidationFailed(_("The values have errors; nothing was written."), list(self.errors))


@dataclass(frozen=True)
class _Indicator:
    id: int
    usable: bool  # active, with a current version
    formula: bool
    qualitative: bool
    frequency: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class _Unit:
    id: int
    usable: bool  # active
    allowed: bool
    path: str


class _Refused(Exception):
    """Raised inside the write's transaction to roll it back; the errors are in the result."""


def _actor_person(actor) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


class WriteSession:
    """A batch written in parts: ``add`` / ``add_codes`` / ``copy_csv``, then ``finish`` once.

    Use through :func:`open_session`, which creates and drops the staging tables.
    """

    def __init__(
        self,
        *,
        actor,
        source: str,
        batch_id: str = "",
        dry_run: bool = False,
        reason: str = "",
        filename: str = "",
        file_hash: str = "",
        max_errors: int = MAX_ERRORS,
        columns: dict[str, str] | None = None,
    ) -> None:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        self.actor = actor
        self.source = source
        self.batch_id = (batch_id or f"{source}-{secrets.token_hex(6)}")[:64]
        self.dry_run = dry_run
        self.reason = reason[:500]
        self.filename = filename
        self.file_hash = file_hash
        self.max_errors = max_errors
        # How the source names each field in an error ("value" → "D (数值)").
        self.columns = dict(columns or {})
        self.result = WriteResult(dry_run=dry_run, batch_id=self.batch_id)
        self.vendor = connection.vendor
        self.pg = self.vendor == "postgresql"
        token = secrets.token_hex(6)
        self.t = {name: f"gp_{name}_{token}" for name in TABLES}
        self.table = self.t["stage"]
        self._mode: str | None = None  # "id" or "code": how staged rows name indicator and unit
        self._staged = 0
        self._has_origin = False
        self._keep_comments: bool | None = None
        self._finished = False
        self._seq: str | None = None
        self._indicators: dict[str, _Indicator] = {}
        self._units: dict[str, _Unit] = {}
        self._periods: dict[str, Period | None] = {}
        self._freed: frozenset = frozenset()
        self._clean = 0

    # --- errors -------------------------------------------------------------------------------

    @property
    def _room(self) -> int:
        return max(self.max_errors - len(self.result.errors), 0)

    def reject(self, errors: Iterable[ErrorDetail], *, count: int | None = None) -> None:
        """Errors found outside the writer (a file's parser): they refuse the batch too."""
        errors = list(errors)
        room = self._room
        self.result.errors.extend(errors[:room])
        total = count if count is not None else len(errors)
        self.result.more_errors += max(total - min(len(errors), room), 0)

    def _label(self, name: str) -> str:
        return self.columns.get(name, name)

    # --- staging --------------------------------------------------------------------------------

    def _create_stage(self) -> None:
        if self.pg:
            # Large staging tables stay in memory; PostgreSQL allows this only before the
            # session's first temporary table, so a refusal is fine.
            with suppress(DatabaseError), transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET temp_buffers = '512MB'")
        columns = ", ".join(
            f"{name} {'bigint' if name == 'row' else 'text'}"
            + ("" if name in NULLABLE else " NOT NULL")
            + (" DEFAULT ''" if name in ("value", "level", "category", "attribute") else "")
            for name in STAGE_COLUMNS
        )
        with connection.cursor() as cur:
            cur.execute(f"CREATE TEMPORARY TABLE {self.t['stage']} ({columns})")

    def _drop_stage(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {', '.join(self.t.values())}")
            if self._seq:
                cur.execute(f"DROP SEQUENCE IF EXISTS {self._seq}")

    def _set_mode(self, mode: str) -> None:
        if self._finished:
            raise RuntimeError("the session is finished")
        if self._mode not in (None, mode):
            raise RuntimeError("a session takes ids or codes, not both")
        self._mode = mode

    def add(self, batch: ValueBatch) -> None:
        """Stage a batch of resolved ids; it is checked in ``finish``."""
        self._set_mode("id")
        n = len(batch)
        for name in ("values", "levels", "categories", "attributes", "comments", "rows"):
            if len(getattr(batch, name)) != n:
                raise ValueError(f"ValueBatch.{name} has {len(getattr(batch, name))} rows, not {n}")
        if len(batch.indicator_ids) != n or len(batch.unit_ids) != n:
            raise ValueError(f"ValueBatch ids do not have {n} rows")
        if not n:
            return
        if self._keep_comments is None:
            self._keep_comments = batch.keep_comments
        self._has_origin = self._has_origin or batch.has_origin
        self._stage_columns(
            n,
            {
                "row": [str(r) for r in batch.rows],
                "ind": np.asarray(batch.indicator_ids, dtype=np.int64).astype(str).tolist(),
                "unit": np.asarray(batch.unit_ids, dtype=np.int64).astype(str).tolist(),
                "period": batch.periods,
                "value": batch.values,
                "level": batch.levels,
                "comment": None if self._keep_comments else batch.comments,
                "category": batch.categories,
                "attribute": batch.attributes,
                "stored_by": batch.stored_by or None,
                "followup": batch.followups or None,
                "last_updated": batch.last_updated or None,
            },
        )

    def add_codes(self, numbers: list[int], cols: dict[str, list[str] | None]) -> None:
        """Stage rows naming indicator and unit by code (files, connectors).

        ``cols``: ``indicator, unit, period, value`` and optionally ``level``, ``comment``
        (``None``: keep stored comments), ``category``, ``attribute`` and DHIS2's
        ``stored_by``, ``followup``, ``last_updated`` and their set's ``data_set`` and
        ``completed`` date.
        """
        self._set_mode("code")
        n = len(numbers)
        if not n:
            return
        if self._keep_comments is None:
            self._keep_comments = cols.get("comment") is None
        origin = {name: cols.get(name) or None for name in ORIGIN}
        self._has_origin = self._has_origin or any(v is not None for v in origin.values())
        self._stage_columns(
            n,
            {
                "row": [str(r) for r in numbers],
                "ind": cols["indicator"],
                "unit": cols["unit"],
                "period": cols["period"],
                "value": cols["value"],
                "level": cols.get("level") or None,
                "comment": None if self._keep_comments else (cols.get("comment") or [""] * n),
                "category": cols.get("category") or None,
                "attribute": cols.get("attribute") or None,
                **origin,
            },
        )

    def _stage_columns(self, n: int, cols: dict[str, list[str] | None]) -> None:
        names = [name for name in STAGE_COLUMNS if cols.get(name) is not None]
        self._staged += n
        if self.pg:
            parts = [cols["row"] if name == "row" else _escaped(cols[name]) for name in names]  # type: ignore[arg-type]
            text = "\n".join(map("\t".join, zip(*parts, strict=True))) + "\n"
            with (
                connection.cursor() as cur,
                cur.copy(f"COPY {self.t['stage']} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                copy.write(text)
            return
        marks = ", ".join(["%s"] * len(names))
        rows = zip(*(cols[name] for name in names), strict=True)
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self.t['stage']} ({', '.join(names)}) VALUES ({marks})", list(rows)
            )

    def copy_csv(
        self,
        stream: IO[bytes],
        *,
        encoding: str,
        offset: int,
        names: list[str | None],
        first_row: int,
        progress: Callable[[int], None] | None = None,
    ) -> bool:
        """Stage a long-format CSV file's rows straight from its bytes (PostgreSQL).

        ``names`` gives the staged column of each of the file's columns (None: not
        used); the data start at byte ``offset``, on row ``first_row``. Rows without a
        value or level are left out (counted as ``result.blank``). Returns False, with
        nothing staged, for anything the fast path does not take exactly as Python's
        ``csv`` module would (quotes, blank lines, a short or long row, a NUL, another
        newline style): the caller then stages the file row by row instead.
        """
        self._set_mode("code")
        if not self.pg or self._staged:
            return False
        seq = f"{self.t['stage']}_row"
        used = [n for n in names if n]
        columns = [n or f"x{i}" for i, n in enumerate(names)]
        if len(set(used)) != len(used) or not {"ind", "unit", "period", "value"} <= set(used):
            return False
        with connection.cursor() as cur:
            # Numbers the rows in file order as COPY reads them (cached: a third of the cost).
            cur.execute(f"CREATE TEMPORARY SEQUENCE {seq} START {int(first_row)} CACHE 100000")
            self._seq = seq
            for i, n in enumerate(names):
                if n is None:
                    cur.execute(f"ALTER TABLE {self.t['stage']} ADD COLUMN x{i} text")
            cur.execute(
                f"ALTER TABLE {self.t['stage']} ALTER COLUMN row SET DEFAULT nextval('{seq}')"
            )
        sql = (
            f"COPY {self.t['stage']} ({', '.join(columns)}) FROM STDIN"
            f" (FORMAT csv, FORCE_NOT_NULL ({', '.join(columns)}))"
            " WHERE value <> '' OR level <> ''"
        )
        lines = staged = 0
        if not all(self._copy_pieces(stream, offset, encoding, sql, progress, counts := [0, 0])):
            with connection.cursor() as cur:
                cur.execute(f"TRUNCATE {self.t['stage']}")
                cur.execute(f"ALTER SEQUENCE {seq} RESTART WITH {int(first_row)}")
            return False
        lines, staged = counts
        self._keep_comments = "comment" not in used
        self._staged = staged
        self.result.blank = lines - staged
        return True

    def _copy_pieces(self, stream, offset, encoding, sql, progress, counts) -> Iterator[bool]:
        """COPY the file from ``offset`` in pieces cut at line ends; yields False to give up."""
        import psycopg

        stream.seek(offset)
        pending, tail = b"", b"\n"
        while True:
            block = stream.read(COPY_PIECE)
            data = pending + block
            pending = b""
            if block:
                cut = data.rfind(b"\n") + 1
                if not cut:
                    pending = data
                    continue
                data, pending = data[:cut], data[cut:]
            if not data:
                return
            if encoding == "gb18030":  # never splits a character: no GB18030 byte is "\n"
                data = data.decode("gb18030").encode("utf-8")
            if b'"' in data or b"\\." in data or b"\x00" in data or _blank_line(tail + data):
                yield False
                return
            tail = data[-2:]
            try:
                with transaction.atomic(), connection.cursor() as cur:
                    with cur.copy(sql) as copy:
                        copy.write(data)
                    counts[1] += max(cur.rowcount, 0)
            except (DatabaseError, psycopg.Error):
                yield False
                return
            counts[0] += data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            if progress is not None:
                progress(counts[0])
            yield True
            if not block:
                return

    def preview(self, limit: int) -> list[dict[str, Any]]:
        """The first staged rows as given (codes and texts), for a dry run's preview."""
        if not limit or not self._staged:
            return []
        names = ("ind", "unit", "period", "category", "attribute", "value", "level", "comment")
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT row, {', '.join(names)} FROM {self.t['stage']} ORDER BY row LIMIT %s",
                [limit],
            )
            found = cur.fetchall()
        keys = ("indicator", "unit", "period", "category", "attribute", "value", "level", "comment")
        return [
            {"row": row, **{k: v or "" for k, v in zip(keys, rest, strict=True)}}
            for row, *rest in found
        ]

    # --- lookups --------------------------------------------------------------------------------

    def _distinct(self, column: str) -> list[str] | None:
        """The distinct staged texts of ``column``; None (look up everything) for a large
        file naming things by code, where one scan costs more than reading every code."""
        if self._mode == "code" and column != "period" and self._staged > 20_000:
            return None
        with connection.cursor() as cur:
            cur.execute(f"SELECT DISTINCT {column} FROM {self.t['stage']}")
            return [r[0] for r in cur.fetchall()]

    def _named(self, model, column: str):
        """The rows of ``model`` (indicators or units) the staged ``column`` names, by id or code."""
        keys = self._distinct(column)
        if keys is None:
            return model.objects.all()
        if self._mode == "code":
            return model.objects.filter(code__in=keys)
        return model.objects.filter(pk__in=[int(k) for k in keys if k.lstrip("-").isdigit()])

    def _load_indicators(self) -> None:
        from govperf.indicators.models import Indicator

        rows = self._named(Indicator, "ind").values_list(
            "pk",
            "code",
            "is_active",
            "current_id",
            "current__frequency",
            "current__kind",
            "current__formula",
            "current__rubric__levels",
        )
        for pk, code, active, current, frequency, kind, formula, levels in rows:
            key = code if self._mode == "code" else str(pk)
            self._indicators[key] = _Indicator(
                id=pk,
                usable=bool(active and current),
                formula=bool((formula or "").strip()),
                qualitative=kind == "qualitative",
                frequency=frequency or "",
                levels=tuple(sorted({str(lv.get("name", "")) for lv in (levels or [])})),
            )

    def _load_units(self) -> None:
        from govperf.orgs import policy
        from govperf.orgs.models import Unit
        from govperf.orgs.policy import Action

        qs = self._named(Unit, "unit")
        scopes = None
        if not isinstance(self.actor, SystemActor):
            # One scope for the whole batch; an office import reaches every unit.
            scopes = [policy.unit_scope(self.actor, Action.ENTER_DATA)]
            if self.source == "import":
                scopes.append(policy.unit_scope(self.actor, Action.IMPORT_DATA))
        for pk, code, path, active in qs.values_list("pk", "code", "path", "is_active"):
            allowed = scopes is None or any(
                s.everything or pk in s.unit_ids or any(path.startswith(p) for p in s.subtree_paths)
                for s in scopes
            )
            key = code if self._mode == "code" else str(pk)
            self._units[key] = _Unit(id=pk, usable=bool(active), allowed=allowed, path=path)

    def _load_periods(self) -> None:
        for code in self._distinct("period") or ():
            try:
                self._periods[code] = Period.parse(code)
            except (ValueError, TypeError):
                self._periods[code] = None

    def _fill(self, name: str, columns: str, rows: list[tuple]) -> None:
        """Create the small lookup table ``name`` and put ``rows`` in it."""
        table = self.t[name]
        with connection.cursor() as cur:
            cur.execute(f"CREATE TEMPORARY TABLE {table} ({columns})")
            if not rows:
                return
            names = [c.split()[0] for c in columns.split(",")]
            if self.pg:
                with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cur.execute(f"ANALYZE {table}")
            else:
                marks = ", ".join(["%s"] * len(names))
                cur.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def _lookups(self) -> None:
        from govperf.data.locks import correction_keys

        self._load_indicators()
        self._load_units()
        self._load_periods()
        self._freed = correction_keys()
        self._fill(
            "ind",
            "key text, id bigint, usable boolean, formula boolean, qual boolean, freq text",
            [
                (k, i.id, i.usable, i.formula, i.qualitative, i.frequency)
                for k, i in self._indicators.items()
            ],
        )
        self._fill(
            "unit",
            "key text, id bigint, usable boolean, allowed boolean",
            [(k, u.id, u.usable, u.allowed) for k, u in self._units.items()],
        )
        self._fill(
            "per",
            "key text, code text, kind text, start date",
            [
                (k, p.code, str(p.kind), p.start) if p is not None else (k, None, None, None)
                for k, p in self._periods.items()
            ],
        )
        levels = {
            (i.id, level)
            for i in self._indicators.values()
            if i.qualitative and i.usable
            for level in i.levels
        }
        if levels:
            self._fill("level", "indicator_id bigint, level text", sorted(levels))
        if self._freed:
            self._fill(
                "free",
                "indicator_id bigint, unit_id bigint, period text, category text, attribute text",
                sorted(self._freed),
            )

    # --- resolving ------------------------------------------------------------------------------

    def _freed_sql(self, ind: str, unit: str, period: str, s: str = "s") -> str:
        if not self._freed:
            return "FALSE"
        return (
            f"EXISTS (SELECT 1 FROM {self.t['free']} f WHERE f.indicator_id = {ind}"
            f" AND f.unit_id = {unit} AND f.period = {period} AND f.category = {s}.category"
            f" AND f.attribute = {s}.attribute)"
        )

    def _resolve(self) -> None:
        """The resolved rows: ids, canonical period, number, and each row's problem."""
        if self.pg:
            try:
                with transaction.atomic():
                    self._create_resolved(careful=False)
            except DatabaseError:  # a value PostgreSQL cannot read as a number
                self._fix_numbers()
                self._create_resolved(careful=True)
        else:
            self._fix_numbers()
            self._create_resolved(careful=True)
        res = self.t["res"]
        # Numbers PostgreSQL read but NUMERIC(24, 6) does not hold exactly (or NaN, infinity),
        # unless the row has an earlier problem; counted in the same scan as the rest.
        bad_number = (
            "value IS NOT NULL AND (abs(value) >= 1e18 OR value <> round(value, 6))"
            f" AND (problem IS NULL OR problem >= {LONG_CAT * OTHER})"
            if self.pg
            else "FALSE"
        )
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT SUM(CASE WHEN {bad_number} THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN problem IS NULL THEN 1 ELSE 0 END) FROM " + res
            )
            bad, clean = cur.fetchone()
            if bad:
                cur.execute(f"UPDATE {res} SET problem = {BAD_NUMBER * OTHER} WHERE {bad_number}")
            self._clean = int(clean or 0) - int(bad or 0)
            self._clean += self._accept_computed(cur)
            if self.pg:
                cur.execute(f"ANALYZE {res}")

    def _accept_computed(self, cur) -> int:
        """Rows of a formula indicator that say exactly what is stored (an export imported
        back) are accepted as unchanged; only a different value is refused."""
        from govperf.data.models import DataValue

        if not any(i.formula for i in self._indicators.values()) or self.source == "formula":
            return 0
        res = self.t["res"]
        cur.execute(
            f"UPDATE {res} SET problem = NULL WHERE problem = {FORMULA * OTHER}"
            f" AND EXISTS (SELECT 1 FROM {DataValue._meta.db_table} d"
            f" WHERE {self._key_join(s=res)} AND NOT {self._changed(s=res)})"
        )
        return max(cur.rowcount, 0)

    def _plain(self, column: str) -> str:
        # "$" is the end of the text in PostgreSQL; Python's re (SQLite's REGEXP) needs "\Z".
        return f"{column} ~ '{PLAIN}'" if self.pg else f"{column} REGEXP '{PLAIN[:-1]}\\Z'"

    def _fix_numbers(self) -> None:
        """Values that are not plain decimals, read by Python's Decimal (rare: "1e3", " 12")."""
        t = self.t
        self._fill("fix", "row bigint, value text", [])
        sql = (
            f"SELECT s.row, s.value FROM {t['stage']} s JOIN {t['ind']} li ON li.key = s.ind"
            f" WHERE NOT li.qual AND s.value <> '' AND NOT ({self._plain('s.value')})"
        )
        with connection.chunked_cursor() as cur:
            cur.execute(sql)
            while part := cur.fetchmany(10_000):
                rows = [(row, _decimal_text(value)) for row, value in part]
                with connection.cursor() as out:
                    out.executemany(f"INSERT INTO {t['fix']} (row, value) VALUES (%s, %s)", rows)
        if self.pg:
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {t['fix']}")

    def _create_resolved(self, *, careful: bool) -> None:
        t, code = self.t, self._mode == "code"
        pg = self.pg
        trim = "btrim" if pg else "trim"
        spaces = SPACES.replace("'", "''")
        level = f"{trim}(CASE WHEN s.level <> '' THEN s.level ELSE s.value END, '{spaces}')"
        numeric = "::numeric" if pg else ""
        if careful:
            number = (
                f"CASE WHEN {self._plain('s.value')} THEN s.value{numeric}"
                f" ELSE fx.value{numeric} END"
            )
            if not pg:
                number = f"CAST({number} AS NUMERIC)"
            bad_number = (
                f"WHEN NOT li.qual AND s.value <> '' AND NOT ({self._plain('s.value')})"
                f" AND fx.value IS NULL THEN {BAD_NUMBER * OTHER}"
            )
            fix_join = f"LEFT JOIN {t['fix']} fx ON fx.row = s.row"
        else:
            number = "s.value::numeric"
            bad_number = ""  # checked on the numbers afterwards (_resolve)
            fix_join = ""
        has_levels = any(i.qualitative and i.usable and i.levels for i in self._indicators.values())
        level_join = (
            f"LEFT JOIN {t['level']} lv ON lv.indicator_id = li.id AND lv.level = {level}"
            if has_levels
            else ""
        )
        level_found = "lv.level IS NULL" if has_levels else "TRUE"
        freed = self._freed_sql("li.id", "lu.id", "lp.code")
        formula = "li.formula" if self.source != "formula" else "FALSE"
        origin = (
            ", s.stored_by, CASE lower(s.followup) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE"
            " END AS followup, s.last_updated, s.data_set, s.completed"
            if self._has_origin
            else ""
        )
        first = (
            f"(CASE WHEN li.key IS NULL THEN {IND_CODE if code else IND_BAD}"
            f" WHEN NOT li.usable THEN {IND_BAD} ELSE 0 END"
            f" + CASE WHEN lu.key IS NULL THEN {UNIT_CODE if code else UNIT_BAD}"
            f" WHEN NOT lu.usable THEN {UNIT_BAD} ELSE 0 END"
            f" + CASE WHEN lu.usable AND NOT lu.allowed AND NOT {freed} THEN {DENIED} ELSE 0 END)"
        )
        other = (
            f"CASE WHEN {formula} THEN {FORMULA * OTHER}"
            f" WHEN lp.code IS NULL THEN {BAD_PERIOD * OTHER}"
            f" WHEN lp.kind <> li.freq THEN {WRONG_KIND * OTHER}"
            f" WHEN li.qual AND {level} <> '' AND {level_found} THEN {BAD_LEVEL * OTHER}"
            f" WHEN NOT li.qual AND s.level <> '' THEN {NOT_LEVEL * OTHER}"
            f" {bad_number}"
            f" WHEN length(s.category) > {KEY_LENGTH} THEN {LONG_CAT * OTHER}"
            f" WHEN length(s.attribute) > {KEY_LENGTH} THEN {LONG_ATT * OTHER}"
            " ELSE 0 END"
        )
        with connection.cursor() as cur:
            cur.execute(
                f"CREATE TEMPORARY TABLE {t['res']} AS"
                " SELECT s.row, li.id AS indicator_id, lu.id AS unit_id, lp.code AS period,"
                " lp.start AS period_start, s.category, s.attribute,"
                f" CASE WHEN li.qual IS FALSE AND s.value <> '' THEN {number} END AS value,"
                f" CASE WHEN li.qual THEN {level} ELSE '' END AS level, s.comment{origin},"
                f" NULLIF(CASE WHEN {first} > 0 THEN {first} ELSE {other} END, 0) AS problem"
                f" FROM {t['stage']} s"
                f" LEFT JOIN {t['ind']} li ON li.key = s.ind"
                f" LEFT JOIN {t['unit']} lu ON lu.key = s.unit"
                f" LEFT JOIN {t['per']} lp ON lp.key = s.period"
                f" {fix_join} {level_join}"
            )

    # --- row errors -------------------------------------------------------------------------------

    def _row_errors(self) -> None:
        t = self.t
        if self._clean == self._staged:
            return
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT row, problem FROM {t['res']} WHERE problem IS NOT NULL"
                " ORDER BY row LIMIT %s",
                [self._room],
            )
            found = cur.fetchall()
        if not found:
            return
        rows = [r for r, _p in found]
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT row, ind, unit, period, value, level, category, attribute"
                f" FROM {t['stage']} WHERE row IN ({', '.join(['%s'] * len(rows))})",
                rows,
            )
            raw = {r[0]: r[1:] for r in cur.fetchall()}
            cur.execute(
                "SELECT"
                f" SUM(CASE WHEN problem & {IND_CODE | IND_BAD} > 0 THEN 1 ELSE 0 END"
                f" + CASE WHEN problem & {UNIT_CODE | UNIT_BAD} > 0 THEN 1 ELSE 0 END"
                f" + CASE WHEN problem & {DENIED} > 0 THEN 1 ELSE 0 END"
                f" + CASE WHEN problem >= {OTHER} THEN 1 ELSE 0 END),"
                f" SUM(CASE WHEN problem & {DENIED} > 0 THEN 1 ELSE 0 END)"
                f" FROM {t['res']} WHERE problem IS NOT NULL"
            )
            total, denied = cur.fetchone()
        if denied:
            self.result.forbidden = True
        listed = 0
        for row, problem in found:
            for detail in self._describe(row, int(problem), raw[row]):
                if self._room:
                    self.result.errors.append(detail)
                    listed += 1
        self.result.more_errors += max(int(total or 0) - listed, 0)

    def _describe(self, row: int, problem: int, raw: tuple) -> list[ErrorDetail]:
        ind, unit, period, value, level, category, attribute = raw
        code = self._mode == "code"

        def err(name: str, message: str, val: Any) -> ErrorDetail:
            return ErrorDetail(row=row, column=self._label(name), value=val, message=message)

        ind_value = ind if code else _int(ind)
        unit_value = unit if code else _int(unit)
        out = []
        if problem & IND_CODE:
            out.append(err("indicator", _("Unknown indicator code."), ind_value))
        elif problem & IND_BAD:
            out.append(err("indicator", _("Unknown or inactive indicator."), ind_value))
        if problem & UNIT_CODE:
            out.append(err("unit", _("Unknown unit code."), unit_value))
        elif problem & UNIT_BAD:
            out.append(err("unit", _("Unknown or inactive unit."), unit_value))
        if problem & DENIED:
            out.append(err("unit", _("You may not enter data for this unit."), unit_value))
        kind = problem // OTHER
        info = self._indicators.get(ind)
        if kind == FORMULA:
            message = _("This indicator is computed by its formula; its values cannot be written.")
            out.append(err("indicator", message, ind_value))
        elif kind == BAD_PERIOD:
            out.append(err("period", _("Not a period code (e.g. 2026, 2026Q1, 202603)."), period))
        elif kind == WRONG_KIND:
            parsed = self._periods.get(period)
            message = _("The indicator is reported %(freq)s; this period is %(kind)s.") % {
                "freq": info.frequency if info else "",
                "kind": str(parsed.kind) if parsed else "",
            }
            out.append(err("period", message, period))
        elif kind == BAD_LEVEL:
            message = _("Not a level of this indicator's rubric (%(levels)s).") % {
                "levels": " / ".join(info.levels if info else ())
            }
            text = (level or value).strip()
            out.append(err("level" if level else "value", message, text))
        elif kind == NOT_LEVEL:
            out.append(err("level", _("This indicator takes a number, not a level."), level))
        elif kind == BAD_NUMBER:
            message = _("Not a number with at most 18 digits before and 6 after the point.")
            out.append(err("value", message, value))
        elif kind == LONG_CAT:
            out.append(err("category", _("At most 64 characters."), category[:80]))
        elif kind == LONG_ATT:
            out.append(err("attribute", _("At most 64 characters."), attribute[:80]))
        return out

    # --- validation rules and locks ---------------------------------------------------------------

    def _check_rules(self) -> None:
        from govperf.data.validation import _load_rules, validate_batch

        present = sorted({i.id for i in self._indicators.values() if i.usable})
        if not present or not self._clean:
            return
        rules = _load_rules(np.asarray(present, dtype=np.int64))
        if not rules:
            return
        wanted = sorted(
            {r.indicator_id for r in rules} | {ind for r in rules for _k, ind, _o in r.refs}
        )
        wanted = [i for i in wanted if i >= 0]
        if not wanted:
            return
        marks = ", ".join(["%s"] * len(wanted))
        sql = (
            "SELECT row, indicator_id, unit_id, period, value, level, category, attribute"
            f" FROM {self.t['res']} WHERE problem IS NULL AND indicator_id IN ({marks})"
            " ORDER BY unit_id, row"
        )
        part: list[tuple] = []

        def check(rows: list[tuple]) -> None:
            batch = ValueBatch(
                indicator_ids=np.asarray([r[1] for r in rows], dtype=np.int64),
                unit_ids=np.asarray([r[2] for r in rows], dtype=np.int64),
                periods=[r[3] for r in rows],
                values=[_number_text(r[4]) for r in rows],
                levels=[r[5] for r in rows],
                categories=[r[6] for r in rows],
                attributes=[r[7] for r in rows],
                rows=[r[0] for r in rows],
            )
            report = validate_batch(batch)
            for detail in report.errors:
                detail.column = self._label(detail.column or "value")
                self.reject([detail])
            room = max(self.max_errors - len(self.result.warnings), 0)
            for detail in report.warnings[:room]:
                detail.column = self._label(detail.column or "value")
                self.result.warnings.append(detail)

        with connection.chunked_cursor() as cur:
            cur.execute(sql, wanted)
            while rows := cur.fetchmany(10_000):
                for row in rows:
                    if len(part) >= RULE_CHUNK and row[2] != part[-1][2]:
                        check(part)
                        part = []
                    part.append(row)
        if part:
            check(part)

    def _check_locks(self) -> None:
        from govperf.data.locks import active_locks

        if not self._clean:
            return
        locks = active_locks()
        if not locks:
            return
        rows: set[tuple[str, int | None]] = set()
        for period in {p for p in self._periods.values() if p is not None}:
            for lock in locks:
                if not (lock.period_start <= period.start and period.end <= lock.period_end):
                    continue
                if lock.unit_id is None:
                    rows.add((period.code, None))
                else:
                    prefix = lock.unit.path
                    rows.update(
                        (period.code, u.id)
                        for u in self._units.values()
                        if u.path.startswith(prefix)
                    )
        if not rows:
            return
        self._fill(
            "lock", "period text, unit_id bigint", sorted(rows, key=lambda r: (r[0], r[1] or 0))
        )
        t = self.t
        where = (
            f"s.problem IS NULL AND EXISTS (SELECT 1 FROM {t['lock']} l WHERE l.period = s.period"
            " AND (l.unit_id IS NULL OR l.unit_id = s.unit_id))"
            f" AND NOT {self._freed_sql('s.indicator_id', 's.unit_id', 's.period')}"
        )
        self._located(
            f"SELECT s.row, s.period FROM {t['res']} s WHERE {where}",
            f"SELECT COUNT(*) FROM {t['res']} s WHERE {where}",
            lambda row, period: ErrorDetail(
                row=row,
                column=self._label("period"),
                value=period,
                message=_("The period is locked; ask for a correction instead."),
            ),
        )

    def _located(self, select: str, count: str, make: Callable[..., ErrorDetail]) -> int:
        """Add the errors ``select`` finds (ordered by row, bounded); returns how many in all."""
        room = self._room
        with connection.cursor() as cur:
            cur.execute(f"{select} ORDER BY 1 LIMIT %s", [room + 1])
            found = cur.fetchall()
            total = len(found)
            if total > room:
                cur.execute(count)
                total = int(cur.fetchone()[0])
        for row in found[:room]:
            self.result.errors.append(make(*row))
        self.result.more_errors += max(total - room, 0)
        return total

    # --- keys given twice, stored values past draft ------------------------------------------------

    def _key_join(self, d: str = "d", s: str = "s") -> str:
        return (
            f"{d}.indicator_id = {s}.indicator_id AND {d}.unit_id = {s}.unit_id"
            f" AND {d}.period = {s}.period AND {d}.category = {s}.category"
            f" AND {d}.attribute = {s}.attribute"
        )

    def _changed(self, d: str = "d", s: str = "s") -> str:
        distinct = "IS DISTINCT FROM" if self.pg else "IS NOT"
        return (
            f"({d}.value {distinct} {s}.value OR {d}.level <> {s}.level"
            f" OR ({s}.comment IS NOT NULL AND {d}.comment <> {s}.comment))"
        )

    def _check_duplicates(self) -> int:
        """Keys given twice among the rows without other problems, located at the repeat."""
        res = self.t["res"]
        inner = (
            "SELECT row, MIN(row) OVER (PARTITION BY indicator_id, unit_id, period, category,"
            f" attribute) AS first FROM {res} WHERE problem IS NULL"
        )
        # The key as the source gave it, so that the error quotes what is repeated.
        return self._located(
            f"SELECT x.row, x.first, st.ind, st.unit, st.period, st.category, st.attribute"
            f" FROM ({inner}) x JOIN {self.t['stage']} st ON st.row = x.row WHERE x.row > x.first",
            f"SELECT COUNT(*) FROM ({inner}) x WHERE row > first",
            lambda row, first, *key: ErrorDetail(
                row=row,
                column=self._label("indicator"),
                value=" / ".join(str(k) for k in key if k),
                message=_(
                    "Duplicate of row %(row)d (same indicator, unit, period and disaggregation)."
                )
                % {"row": first},
            ),
        )

    def _existing(self) -> tuple[int, int, int, int]:
        """Stored keys the batch names: (rows, distinct values, changed, changed but past draft)."""
        from govperf.data.models import DataValue

        changed = self._changed()
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT COUNT(*), COUNT(DISTINCT d.id),"
                f" SUM(CASE WHEN {changed} THEN 1 ELSE 0 END),"
                f" SUM(CASE WHEN {changed} AND NOT {self._writable_guard()} THEN 1 ELSE 0 END)"
                f" FROM {self.t['res']} s JOIN {DataValue._meta.db_table} d ON {self._key_join()}"
                " WHERE s.problem IS NULL"
            )
            rows, distinct, changed_n, blocked = cur.fetchone()
        return int(rows or 0), int(distinct or 0), int(changed_n or 0), int(blocked or 0)

    def _status_errors(self) -> None:
        """Changed values whose stored status no longer takes a write, located at their row."""
        from govperf.data.models import DataValue

        labels = dict(DataValue.Status.choices)
        sql = (
            f"FROM {self.t['res']} s JOIN {DataValue._meta.db_table} d ON {self._key_join()}"
            f" WHERE s.problem IS NULL AND {self._changed()} AND NOT {self._writable_guard()}"
        )
        self._located(
            f"SELECT s.row, d.status, s.value, s.level {sql}",
            f"SELECT COUNT(*) {sql}",
            lambda row, status, value, level: ErrorDetail(
                row=row,
                column=self._label("value"),
                value=level or _number_text(value) or None,
                message=_("The stored value is %(status)s and can no longer be changed here.")
                % {"status": labels.get(status, status)},
            ),
        )

    # --- the end --------------------------------------------------------------------------------

    def finish(self) -> WriteResult:
        """Refuse with every error, or (unless a dry run) write everything in one transaction."""
        self._finished = True
        result = self.result
        result.rows = self._staged
        if not self._staged:
            return result
        try:
            with transaction.atomic():
                if self.pg:
                    with connection.cursor() as cur:
                        cur.execute("SET LOCAL work_mem = '256MB'")
                self._lookups()
                self._resolve()
                self._row_errors()
                self._check_rules()
                self._check_locks()
                if not result.ok:
                    self._check_duplicates()
                    return result
                if self.dry_run:
                    self._dry_run()
                    return result
                self._write()
        except _Refused:
            pass
        return result

    def _dry_run(self) -> None:
        result = self.result
        if self._check_duplicates():
            return
        rows, _distinct, changed, blocked = self._existing()
        if blocked:
            self._status_errors()
            return
        result.created = self._clean - rows
        result.updated = changed
        result.unchanged = self._clean - result.created - result.updated

    def _write(self) -> None:
        """Inside the transaction: refuse (raising ``_Refused``) or write."""
        result = self.result
        rows, distinct, changed, blocked = self._existing()
        if distinct != rows:  # a stored key given twice
            self._check_duplicates()
            raise _Refused
        if blocked:
            self._status_errors()
            raise _Refused
        params = self._params()
        updated = self._update(params) if changed else 0
        created = 0
        if rows < self._clean:
            created_or_none = self._insert_new(params, anti_join=rows > 0)
            if created_or_none is None:  # a key given twice, or one taken by another writer
                if self._check_duplicates():
                    raise _Refused
                created, more = self._upsert(params)
                updated += more
            else:
                created = created_or_none
        result.created, result.updated = created, updated
        result.unchanged = self._clean - created - updated
        if self._has_origin:
            self._apply_origin()
        self._recompute()
        self._audit()

    def _params(self) -> dict[str, Any]:
        now = timezone.now()
        ops = connection.ops
        return {
            "now": now if self.pg else ops.adapt_datetimefield_value(now),
            "source": self.source,
            "reason": self.reason,
            "actor": getattr(_actor_person(self.actor), "pk", None),
            "batch": self.batch_id,
            "draft": "draft",
        }

    def _writable_guard(self, d: str = "d") -> str:
        """A stored value (alias ``d``) takes a write: still draft, or freed by a correction."""
        from govperf.data.workflow import WRITABLE

        statuses = ", ".join(f"'{s}'" for s in sorted(WRITABLE))
        freed = self._freed_sql(f"{d}.indicator_id", f"{d}.unit_id", f"{d}.period", d)
        return f"({d}.status IN ({statuses}) OR {freed})"

    def _update(self, p: dict[str, Any]) -> int:
        """Changed stored values, each with its history row; returns how many."""
        from govperf.core.errors import Conflict
        from govperf.data.models import DataValue, DataValueChange

        dv, ch, res = DataValue._meta.db_table, DataValueChange._meta.db_table, self.t["res"]
        comment = "d.comment" if self._keep_comments else "COALESCE(o.comment, d.comment)"
        history = (
            f"INSERT INTO {ch} (data_value_id, old_value, new_value, old_level, new_level,"
            " old_status, new_status, source, reason, actor_id, batch, changed_at)"
        )
        with connection.cursor() as cur:
            if self.pg:
                cur.execute(
                    f"""
                    WITH o AS (
                        SELECT d.id, d.value AS old_value, d.level AS old_level, d.status,
                            s.value, s.level, s.comment
                        FROM {res} s JOIN {dv} d ON {self._key_join()}
                        WHERE s.problem IS NULL AND {self._changed()}
                    ), up AS (
                        UPDATE {dv} AS d SET value = o.value, level = o.level, comment = {comment},
                            source = %(source)s, version = d.version + 1,
                            updated_at = %(now)s, updated_by_id = %(actor)s
                        FROM o WHERE d.id = o.id AND {self._writable_guard()}
                        RETURNING d.id
                    ), h AS (
                        {history}
                        SELECT o.id, o.old_value, o.value, o.old_level, o.level, o.status,
                            o.status, %(source)s, %(reason)s, %(actor)s, %(batch)s, %(now)s
                        FROM o JOIN up ON up.id = o.id
                    )
                    SELECT (SELECT COUNT(*) FROM o), (SELECT COUNT(*) FROM up)
                    """,
                    p,
                )
                wanted, done = cur.fetchone()
                if wanted != done:  # a value moved past draft since it was checked
                    raise Conflict(
                        _("Some of these values were changed meanwhile; try again."),
                        code="changed",
                    )
                return int(done)
            cur.execute(
                f"{history} SELECT d.id, d.value, s.value, d.level, s.level, d.status, d.status,"
                " %s, %s, %s, %s, %s"
                f" FROM {res} s JOIN {dv} d ON {self._key_join()}"
                f" WHERE s.problem IS NULL AND {self._changed()}",
                [p["source"], p["reason"], p["actor"], p["batch"], p["now"]],
            )
            comment = "d.comment" if self._keep_comments else "COALESCE(s.comment, d.comment)"
            cur.execute(
                f"UPDATE {dv} AS d SET value = s.value, level = s.level, comment = {comment},"
                " source = %s, version = d.version + 1, updated_at = %s, updated_by_id = %s"
                f" FROM {res} s WHERE {self._key_join()} AND s.problem IS NULL"
                f" AND {self._changed()}",
                [p["source"], p["now"], p["actor"]],
            )
            return cur.rowcount

    _NEW_COLUMNS = (
        "indicator_id, unit_id, period, period_start, category, attribute, value, level, comment,"
        " status, source, version, created_at, updated_at, updated_by_id, created_by_id,"
        " created_source, created_batch"
    )
    _NEW_VALUES = (
        "s.indicator_id, s.unit_id, s.period, s.period_start, s.category, s.attribute, s.value,"
        " s.level, COALESCE(s.comment, ''), %(draft)s, %(source)s, 1, %(now)s, %(now)s,"
        " %(actor)s, %(actor)s, %(source)s, %(batch)s"
    )

    def _insert_new(self, p: dict[str, Any], *, anti_join: bool = True) -> int | None:
        """New keys (no history row: the value row records its creation); None if the unique
        key refused one — given twice in the batch, or inserted by another writer meanwhile."""
        from govperf.data.models import DataValue

        dv, res = DataValue._meta.db_table, self.t["res"]
        try:
            with transaction.atomic(), connection.cursor() as cur:
                # Without stored keys among the rows (checked just before), a plain insert;
                # a key another writer inserts meanwhile makes the unique key refuse it.
                free = (
                    f" AND NOT EXISTS (SELECT 1 FROM {dv} d WHERE {self._key_join()})"
                    if anti_join
                    else ""
                )
                cur.execute(
                    f"INSERT INTO {dv} ({self._NEW_COLUMNS}) SELECT {self._NEW_VALUES}"
                    f" FROM {res} s WHERE s.problem IS NULL{free}",
                    p,
                )
                return cur.rowcount
        except IntegrityError:
            return None

    def _upsert(self, p: dict[str, Any]) -> tuple[int, int]:
        """The concurrent-safe path (PostgreSQL): one ``INSERT … ON CONFLICT DO UPDATE``
        for every row, a history row for each update, old values from the same snapshot."""
        from govperf.data.models import DataValue, DataValueChange

        dv, ch, res = DataValue._meta.db_table, DataValueChange._meta.db_table, self.t["res"]
        comment = "dv.comment" if self._keep_comments else "EXCLUDED.comment"
        with connection.cursor() as cur:
            cur.execute(
                f"""
                WITH old AS (
                    SELECT d.id, d.value, d.level, d.status
                    FROM {res} s JOIN {dv} d ON {self._key_join()} WHERE s.problem IS NULL
                ), up AS (
                    INSERT INTO {dv} AS dv ({self._NEW_COLUMNS})
                    SELECT {self._NEW_VALUES} FROM {res} s WHERE s.problem IS NULL
                    ON CONFLICT (indicator_id, unit_id, period, category, attribute) DO UPDATE
                    SET value = EXCLUDED.value, level = EXCLUDED.level, comment = {comment},
                        source = EXCLUDED.source, version = dv.version + 1,
                        updated_at = EXCLUDED.updated_at, updated_by_id = EXCLUDED.updated_by_id
                    WHERE (dv.value, dv.level, dv.comment) IS DISTINCT FROM
                          (EXCLUDED.value, EXCLUDED.level, {comment})
                    RETURNING dv.id, dv.value, dv.level, dv.status, (dv.xmax = 0) AS created
                ), history AS (
                    INSERT INTO {ch} (data_value_id, old_value, new_value, old_level, new_level,
                        old_status, new_status, source, reason, actor_id, batch, changed_at)
                    SELECT up.id, old.value, up.value, COALESCE(old.level, ''), up.level,
                        COALESCE(old.status, ''), up.status, %(source)s, %(reason)s, %(actor)s,
                        %(batch)s, %(now)s
                    FROM up LEFT JOIN old ON old.id = up.id WHERE NOT up.created
                )
                SELECT COUNT(*) FILTER (WHERE created), COUNT(*) FILTER (WHERE NOT created)
                FROM up
                """,
                p,
            )
            created, updated = cur.fetchone()
        return int(created), int(updated)

    def _apply_origin(self) -> None:
        from govperf.data.models import DataValue, DataValueOrigin

        dv, og = DataValue._meta.db_table, DataValueOrigin._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {og} (data_value_id, stored_by, followup, last_updated, data_set,"
                " completed_date)"
                f" SELECT d.id, COALESCE(s.stored_by, ''), s.followup, COALESCE(s.last_updated, ''),"
                " COALESCE(s.data_set, ''), COALESCE(s.completed, '')"
                f" FROM {self.t['res']} s JOIN {dv} d ON {self._key_join()}"
                " WHERE s.problem IS NULL"
                " ON CONFLICT (data_value_id) DO UPDATE SET stored_by = EXCLUDED.stored_by,"
                " followup = EXCLUDED.followup, last_updated = EXCLUDED.last_updated,"
                " data_set = EXCLUDED.data_set, completed_date = EXCLUDED.completed_date"
            )

    def _recompute(self) -> None:
        if self.source == "formula" or not (self.result.created or self.result.updated):
            return
        from govperf.data.formulas import recompute
        from govperf.indicators.models import Indicator

        formulas = Indicator.objects.filter(is_active=True, current__isnull=False).exclude(
            current__formula=""
        )
        if not formulas.exists():
            return
        touched = {}
        with connection.cursor() as cur:
            for column in ("indicator_id", "unit_id", "period"):
                cur.execute(f"SELECT DISTINCT {column} FROM {self.t['res']} WHERE problem IS NULL")
                touched[column] = sorted(r[0] for r in cur.fetchall())
        self.result.recomputed = recompute(
            indicator_ids=touched["indicator_id"],
            unit_ids=touched["unit_id"],
            periods=touched["period"],
            actor=_actor_person(self.actor),
            batch_id=self.batch_id,
        )

    def _audit(self) -> None:
        from govperf.audit.services import record

        after = {
            "source": self.source,
            "batch": self.batch_id,
            **self.result.counts(),
            "warnings": len(self.result.warnings),
        }
        if self.filename:
            after["file"] = self.filename
        if self.file_hash:
            after["sha256"] = self.file_hash
        if self.reason:
            after["reason"] = self.reason
        record(
            action=f"data.write.{self.source}",
            actor=_actor_person(self.actor),
            actor_label=getattr(self.actor, "label", "")
            if isinstance(self.actor, SystemActor)
            else "",
            object_type="data.batch",
            object_id=self.batch_id,
            object_repr=(self.filename or self.source)[:255],
            after=after,
        )


@contextmanager
def open_session(
    *,
    actor,
    source: str,
    batch_id: str = "",
    dry_run: bool = False,
    reason: str = "",
    filename: str = "",
    file_hash: str = "",
    columns: dict[str, str] | None = None,
    max_errors: int = MAX_ERRORS,
) -> Iterator[WriteSession]:
    """A write in parts; the staging tables live as long as the ``with`` block."""
    session = WriteSession(
        actor=actor,
        source=source,
        batch_id=batch_id,
        dry_run=dry_run,
        reason=reason,
        filename=filename,
        file_hash=file_hash,
        max_errors=max_errors,
        columns=columns,
    )
    session._create_stage()
    try:
        yield session
    finally:
        # The connection may have gone with the failure being raised; the tables go with it.
        with suppress(Exception):
            session._drop_stage()


def write_batch(
    batch: ValueBatch,
    *,
    actor,
    source: str,
    batch_id: str = "",
    dry_run: bool = False,
    reason: str = "",
) -> WriteResult:
    """Write ``batch`` all or nothing; see the module docstring for the steps.

    Returns the counts, or the errors (and nothing written). Never raises for bad
    values: callers turn a refusal into their own answer (``result.raise_for_errors()``).
    """
    with open_session(
        actor=actor,
        source=source,
        batch_id=batch_id,
        dry_run=dry_run,
        reason=reason,
        columns=batch.columns,
    ) as session:
        session.add(batch)
        return session.finish()


# --- helpers --------------------------------------------------------------------------------------


def _decimal_text(text: str) -> str | None:
    """``text`` as plain decimal text NUMERIC(24, 6) holds exactly, or None."""
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        return None
    if number.adjusted() >= 18:
        return None
    return format(number, "f")


def _number_text(value: Any) -> str:
    """A number read back from the database as the decimal text a ``ValueBatch`` holds."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _int(text: str) -> Any:
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def _escaped(column: list[str]) -> list[str]:
    """COPY text-format escaping, done only when some value needs it."""
    if not _COPY_SPECIAL.search("".join(column)):
        return column
    return [t.translate(_COPY_ESCAPES) for t in column]


def _blank_line(data: bytes) -> bool:
    """A blank line (two line ends in a row), which COPY would read as a row of one NULL."""
    return b"\n\n" in data or b"\n\r\n" in data


__all__ = ["SYSTEM", "SystemActor", "WriteResult", "WriteSession", "open_session", "write_batch"]
