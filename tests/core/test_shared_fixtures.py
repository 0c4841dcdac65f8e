"""The repository's copy of the shared worked examples matches the team's folder, when present."""

import filecmp

import pytest

from tests.shared import COPY, SHARED


@pytest.mark.skipif(SHARED == COPY, reason="no ../shared beside this checkout")
@pytest.mark.parametrize("folder", ["cases", "dhis2", "formulas"])
def test_copy_is_current(folder):
    compare = filecmp.dircmp(SHARED / folder, COPY / folder)
    assert not compare.diff_files and not compare.left_only, compare.report()
