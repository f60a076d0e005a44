"""The inbox marks a task due soon (DEADLINE_WARNING_DAYS before its date) or overdue (法46 and
the other limits shown as due dates)."""

import datetime as dt

import pytest

from workflows.selectors import InboxItem, due_state

DUE = dt.date(2026, 10, 8)  # e.g. a contract noticed on 09-07: its 30th day falls in 国庆


@pytest.mark.parametrize(("today", "state", "label"), [
    (dt.date(2026, 10, 2), "", ""),
    (dt.date(2026, 10, 3), "due_soon", "即将到期"),
    (DUE, "due_soon", "即将到期"),
    (dt.date(2026, 10, 9), "overdue", "已逾期"),
])
def test_inbox_warns_before_the_due_date_law_46(today, state, label):
    assert due_state(DUE.isoformat(), today) == state
    item = InboxItem(task=None, title="", subject="", subject_code="", role="", role_label="",
                     deadline=DUE.isoformat(), url="", due_state=state)
    assert item.due_label == label


def test_warning_lead_time_is_configuration(settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "DEADLINE_WARNING_DAYS": 1}
    assert due_state(DUE.isoformat(), dt.date(2026, 10, 6)) == ""
    assert due_state(DUE.isoformat(), dt.date(2026, 10, 7)) == "due_soon"


@pytest.mark.parametrize("deadline", ["", None, "服务后24小时内"])
def test_no_warning_without_a_date(deadline):
    assert due_state(deadline, DUE) == ""
