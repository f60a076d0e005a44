import pytest

from tests.evaluation.builders import make_world


@pytest.fixture
def world(db):
    return make_world()
