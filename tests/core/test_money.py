"""Amounts read like Chinese official documents: 3,000,000.00 (千分位), in either language."""

from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from core.templatetags.money import money


@pytest.mark.parametrize("value, shown", [
    (Decimal("3000000.00"), "3,000,000.00"),
    (1668000, "1,668,000.00"),             # a database sum that lost its decimals
    (Decimal("0.5"), "0.50"),
    (Decimal("123456789012.34"), "123,456,789,012.34"),
    ("280000.00", "280,000.00"),
    (None, ""),
    ("", ""),
    ("不是金额", "不是金额"),               # shown as it is, never an error page
])
def test_money_filter(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_intcomma_groups_by_three_with_commas_in_both_languages(language):
    """Django's zh_Hans locale prints 3000000.00; config/formats/zh_Hans groups it like 元 amounts."""
    template = engines["django"].from_string("{% load humanize money %}{{ a|intcomma }}|{{ a|money }}")
    with translation.override(language):
        assert template.render({"a": Decimal("3000000.00")}) == "3,000,000.00|3,000,000.00"
