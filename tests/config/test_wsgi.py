"""The WSGI entry point builds the URL reverse tables before a worker's first request (issue 11
item 2: built on first use they cost the first request of every worker 70–100 ms per language,
and a rush right after a restart queued behind them)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from django.urls import get_resolver
before = sorted(get_resolver()._reverse_dict) if {check_before} else None
import config.wsgi
print(before, sorted(get_resolver()._reverse_dict))
"""


def _probe(check_before: bool) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    code = ("import django; django.setup(); " if check_before else "") + PROBE.format(
        check_before=check_before)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_worker_has_the_url_tables_of_every_language_before_its_first_request():
    # Nothing builds them before config.wsgi is imported; importing it builds both languages'.
    assert _probe(check_before=True) == "[] ['en', 'zh-hans']"
