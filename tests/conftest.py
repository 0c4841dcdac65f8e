import pytest

from tests.helpers import Org


@pytest.fixture
def org(db) -> Org:
    return Org()
