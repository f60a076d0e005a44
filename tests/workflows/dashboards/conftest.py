import pytest

from tests.worlds import PAGE_WORLD, world_build


@pytest.fixture
def world(db):
    return world_build(**PAGE_WORLD)
