"""Task summaries read like a document: local time, 3,000,000.00, 是/否 (issue 8 item 7)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from office.templatetags.office import shown

UTC = dt.UTC


@pytest.mark.parametrize("value, text", [
    (dt.datetime(2026, 11, 29, 2, 0, tzinfo=UTC), "2026-11-29 10:00"),  # Asia/Shanghai, not UTC
    (dt.datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), "2026-11-29 10:00"),
    (dt.date(2026, 10, 8), "2026-10-08"),
    (Decimal("3000000.00"), "3,000,000.00"),
    (True, "是"), (False, "否"), (None, "—"), ("", "—"),
    ("退回意见", "退回意见"), (3, "3"),
])
def test_shown(value, text):
    with translation.override("zh-hans"):
        assert shown(value) == text


def test_shown_in_english():
    with translation.override("en"):
        assert shown(True) == "Yes"
