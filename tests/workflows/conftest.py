import pytest

from tests.worlds import WORKFLOW_WORLD, World, world_build


@pytest.fixture
def world(db) -> World:
    return world_build(**WORKFLOW_WORLD)
