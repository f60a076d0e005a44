import pytest

from tests.worlds import EVALUATION_WORLD, world_build


@pytest.fixture
def world(db):
    return world_build(**EVALUATION_WORLD)
