"""Every PLATFORM_RULES key is documented in docs/settings.md's rule configuration table."""

import re
from pathlib import Path

from django.conf import settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_rule_key_is_in_the_rule_configuration_table():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Rule configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.M))
    assert documented == set(settings.PLATFORM_RULES)
