"""Nothing assumes one disk (issue 11 item 7): application code reads and writes uploaded and
generated files only through the storage API (``default_storage``, ``FieldFile.open/save``), so
the same code runs on ``DATA_DIR/files`` and on an S3 bucket shared by several nodes.

This scans the source for the ways code reaches around the storage to a local file: a
``FieldFile``'s or storage's ``.path``, ``MEDIA_ROOT``, the storage's folder, ``file://`` URLs
(WeasyPrint's ``base_url`` included) and ``DATA_DIR``. A real need goes in ALLOWED with a reason.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "config", "core", "delivery", "demo", "evaluation", "finance", "office",
        "planning", "portal", "procurement", "workflows"]

RULES = {
    "MEDIA_ROOT": (re.compile(r"\bMEDIA_ROOT\b"), "open files with default_storage, not MEDIA_ROOT"),
    "path": (re.compile(r"(?:\b(\w+)|\))\.path\b"),
             "a FieldFile's or storage's .path exists only on a local disk: use .open()"),
    "location": (re.compile(r"\b(?:storage|default_storage)\.(?:location|base_location)\b"),
                 "the storage's folder exists only on a local disk"),
    "FileSystemStorage": (re.compile(r"\bFileSystemStorage\b"),
                          "choose the storage in settings.STORAGES, not in code"),
    "file_url": (re.compile(r"file://"), "a file:// URL points at one machine's disk"),
    "DATA_DIR": (re.compile(r"\bsettings\.DATA_DIR\b"), "DATA_DIR is one machine's folder"),
}
# Receivers whose .path is not a file's: the request's URL path, os.path, sys.path, a parsed URL
# (portal/ocds/validation.py) and a jsonschema error's location in the document.
PATH_RECEIVERS = {"request", "os", "sys", "parts", "e"}
ALLOWED = {
    # Settings define the local defaults (FileSystemStorage under DATA_DIR, the filesystem broker).
    ("config/settings.py", "MEDIA_ROOT"), ("config/settings.py", "FileSystemStorage"),
    ("config/settings.py", "file_url"), ("config/settings.py", "DATA_DIR"),
    # The worker health check reports which folder the answering worker runs with.
    ("config/celery.py", "DATA_DIR"),
    # `manage.py demo` leaves the demo logins for the operator on the machine that ran it.
    ("demo/management/commands/demo.py", "DATA_DIR"),
}


def violations(relative: str, text: str) -> list[str]:
    """Return "file:line: rule (why)" for every forbidden use in a source file's text."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        for rule, (pattern, why) in RULES.items():
            if (relative, rule) in ALLOWED:
                continue
            for match in pattern.finditer(code):
                if rule == "path" and match.group(1) in PATH_RECEIVERS:
                    continue
                found.append(f"{relative}:{number}: {rule} ({why}): {line.strip()}")
    return found


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    yield from sorted((ROOT / "templates").rglob("*.html"))
    for app in APPS:
        yield from sorted((ROOT / app / "templates").rglob("*.html"))


def test_no_code_reaches_around_the_storage_to_a_local_file():
    found = [v for path in _sources()
             for v in violations(path.relative_to(ROOT).as_posix(), path.read_text("utf-8"))]
    assert not found, "\n".join(found)


def test_the_scan_finds_each_way_around_the_storage():
    bad = ("pdf = open(stored.file.path, 'rb')\n"
           "name = default_storage.path(doc.file.name)\n"
           "root = settings.MEDIA_ROOT / 'uploads'\n"
           "folder = default_storage.location\n"
           "HTML(string=html, base_url='file:///srv/sanshe/files')\n"
           "out = settings.DATA_DIR / 'x.pdf'\n"
           "storage = FileSystemStorage()\n"
           "size = Path(x).stat()\n")
    found = violations("core/example.py", bad)
    assert [f.split(": ", 2)[1].split(" ")[0] for f in found] == [
        "path", "path", "MEDIA_ROOT", "location", "file_url", "DATA_DIR", "FileSystemStorage"]
    assert violations("core/example.py", "return redirect(request.path)\nos.path.join(a)\n") == []
