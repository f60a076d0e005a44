"""Stand-ins for the PDF builders, for page tests that check headers, not documents."""

import contextlib
import importlib
from unittest import mock


@contextlib.contextmanager
def fake_builder(name: str, data: bytes = b"%PDF-1.7 fake"):
    """Replace the document builder <name> with a mock returning data (fast header tests)."""
    module = importlib.import_module(
        "procurement.documents" if name.startswith("contract_") else "evaluation.documents")
    with mock.patch.object(module, name, return_value=data) as builder:
        yield builder
