"""factory_boy factories of every model of accounts, core, procurement, finance, delivery,
evaluation, planning and workflows, one module per app, all importable from ``tests.factories``.

Factories build field-level rows (with traits for the states a row can rest in); a test that
needs a state reached the way users reach it walks the real services with tests/worlds.py.
tests/test_factories.py checks that every concrete model has one and that it builds a valid row.
"""

from tests.factories.accounts import *  # noqa: F403
from tests.factories.core import *  # noqa: F403
from tests.factories.delivery import *  # noqa: F403
from tests.factories.evaluation import *  # noqa: F403
from tests.factories.finance import *  # noqa: F403
from tests.factories.planning import *  # noqa: F403
from tests.factories.procurement import *  # noqa: F403
from tests.factories.workflows import *  # noqa: F403
