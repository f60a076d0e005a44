"""Stand-ins for the PDF builders, for page tests that check headers, not documents."""

import contextlib
import sys
import types
from unittest import mock


@contextlib.contextmanager
def fake_builder(name: str, data: bytes = b"%PDF-1.7 fake"):
    """Replace evaluation.documents.<name> with a mock returning data (fast header tests)."""
    try:
        import evaluation.documents as module

        modules = {}
    except ImportError:  # the builders module has not landed yet
        module = types.ModuleType("evaluation.documents")
        modules = {"evaluation.documents": module}
    with mock.patch.dict(sys.modules, modules), mock.patch.object(
        module, name, create=True, return_value=data
    ) as builder:
        yield builder
