"""Where the shared worked examples are: the team's ../shared folder when this checkout sits
beside it, else the copy kept in tests/fixtures/shared (so that any clone runs them)."""

from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]
_SIBLING = _REPO.parent / "shared"
_COPY = _REPO / "tests" / "fixtures" / "shared"

SHARED = _SIBLING if (_SIBLING / "cases").is_dir() else _COPY
COPY = _COPY
