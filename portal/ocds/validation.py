"""Validate OCDS data against the vendored OCDS 1.1.5 schemas (no network).

The schemas declare JSON Schema draft 4 and reference each other by their canonical URLs;
a ``referencing.Registry`` maps those URLs to the files in ``portal/ocds/schema/``, so a
reference that is not vendored fails instead of being fetched. jsonschema checks the
``date-time`` and ``uri`` formats only with optional packages that are not installed, so two
small checkers (standard library) are registered here.
"""

import datetime as dt
import functools
import json
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
SCHEMA_FILES = ("release-schema.json", "release-package-schema.json",
                "record-package-schema.json", "versioned-release-validation-schema.json")

format_checker = FormatChecker(formats=())


@format_checker.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    """RFC 3339 date-time: a date, a time and an explicit offset (or Z)."""
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError("no time part")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no offset")
    return True


@format_checker.checks("uri")
def _is_uri(value) -> bool:
    """An absolute URI: a scheme and something after it."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def schema(name: str) -> dict:
    """Return the vendored schema file name (e.g. ``release-schema.json``) as a dict."""
    return _schemas()[name]


@functools.cache
def _schemas() -> dict[str, dict]:
    return {name: json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
            for name in SCHEMA_FILES}


@functools.cache
def _registry() -> Registry:
    resources = [(SCHEMA_BASE + name, DRAFT4.create_resource(data))
                 for name, data in _schemas().items()]
    return Registry().with_resources(resources)


def validator(name: str) -> Draft4Validator:
    """Return a draft 4 validator of a vendored schema, references resolved locally."""
    return Draft4Validator(schema(name), registry=_registry(), format_checker=format_checker)


def errors(data: dict, name: str) -> list[str]:
    """Return the validation errors of data against schema name, as readable lines."""
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
            for error in sorted(validator(name).iter_errors(data), key=lambda e: list(e.path))]
