"""A batch of values to write, in columns: the one shape every write path uses.

Forms, the API, imports (CSV, Excel, DHIS2) and connectors all turn their input
into a ``ValueBatch`` of resolved ids, then hand it to ``data.writer.write_batch``,
which checks locks and permissions, runs the validation rules
(``data.validation.validate_batch``), upserts, keeps the history, records one
audit entry and recomputes formula indicators (``data.formulas.recompute``).
Columns rather than row objects, so that a million values stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass
class ValueBatch:
    indicator_ids: npt.NDArray[np.int64]
    unit_ids: npt.NDArray[np.int64]
    periods: list[str]
    # The exact decimal text of each value ("" for none: a qualitative value or a deletion).
    values: list[str]
    levels: list[str] = field(default_factory=list)  # rubric level names, "" when numeric
    categories: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    # Where each row came from, for errors: the spreadsheet row, the JSON position, ...
    rows: list[int] = field(default_factory=list)
    # What another system said beyond the value (DHIS2 storedBy, followup as "true"/"false"/"",
    # lastUpdated); empty lists when the source has none, and nothing is kept then.
    stored_by: list[str] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    last_updated: list[str] = field(default_factory=list)
    # True when the source has no comments at all: stored comments are then left as they are.
    keep_comments: bool = False
    # How the source names each field in an error ("value" → "D (数值)"); the field name otherwise.
    columns: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.periods)
        for name in ("levels", "categories", "attributes", "comments"):
            if not getattr(self, name):
                setattr(self, name, [""] * n)
        if not self.rows:
            self.rows = list(range(1, n + 1))

    def __len__(self) -> int:
        return len(self.periods)

    def floats(self) -> npt.NDArray[np.float64]:
        """The values as float64, NaN where there is none (for the engine and the rules)."""
        return np.array([float(v) if v else np.nan for v in self.values], dtype=np.float64)

    @property
    def has_origin(self) -> bool:
        return bool(self.stored_by or self.followups or self.last_updated)
