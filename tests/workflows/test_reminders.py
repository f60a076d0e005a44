"""Task reminders (workflows.reminders): N working days before the due date, on it, overdue with
escalation to the organization's head, and a weekly digest; each sent once, on working days only
(the 2026 国庆 holiday and the 调休 days come from the Holiday table)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.exceptions import Retry
from django.urls import reverse

from accounts.roles import Role
from accounts.services.memberships import membership_grant
from core import calendar
from core.models import Holiday, Notification
from core.tasks import send_pending_emails
from procurement.services.grants import project_grant_delegate
from tests.factories import NeedFactory, UserFactory, user_with_role
from tests.worlds import rows_at_stage
from workflows.models import Reminder
from workflows.reminders import reminders_send
from workflows.services import need_flow_start, project_flow_start
from workflows.tasks import send_reminder_emails, send_task_reminders

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY_DUE = dt.date(2026, 10, 8)  # Thursday, first working day after 国庆 (10/1–10/7)


@pytest.fixture(autouse=True)
def _calendar():
    """Forget the cached calendar: a holiday a test adds is rolled back, not signalled."""
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "REMINDER_WORKING_DAYS": 2,
                               "REMINDER_DIGEST_WEEKDAY": 2}  # Wednesday
    settings.REMINDER_EMAIL = True
    settings.REMINDER_IN_APP = True


def _due(task, day: dt.date):
    task.data = {**(task.data or {}), "deadline": day.isoformat()}
    task.save(update_fields=["data"])
    return task


def need_task(world, due: dt.date):
    """Return the community's open triage task of a new need, due on due."""
    need = NeedFactory(community=world.community_org, submitted_by=world.resident)
    process = need_flow_start(need=need)
    return _due(process.task_set.get(flow_task_type="HUMAN"), due)


def approval_task(world, due: dt.date):
    """Return the purchaser's open approval task of a new submitted project, due on due."""
    project = rows_at_stage(world, 1, "submitted")[0]
    process = project_flow_start(project=project)
    return _due(process.task_set.get(flow_task_type="HUMAN"), due)


def run_on(day: dt.date, capture):
    """Run the daily beat task at 08:30 on day, executing its after-commit e-mail."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ),
                             tick=False), capture(execute=True):
        return send_task_reminders.delay().get()


def sent(**filters) -> list[tuple]:
    return sorted(Reminder.objects.filter(**filters)
                  .values_list("kind", "user__username", "due_date"))


def task_mails(outbox) -> list:
    """Return the mails about one task (not the weekly digest, which has its own tests)."""
    return [m for m in outbox if "待办汇总" not in m.subject]


def test_before_reminder_on_the_right_working_day_across_national_day(
        world, django_capture_on_commit_callbacks, mailoutbox):
    task = need_task(world, NATIONAL_DAY_DUE)
    who = world.community.username
    # Two working days before 10-08 is 09-29: 09-30 is one, 10-01…10-07 are off.
    run_on(dt.date(2026, 9, 28), django_capture_on_commit_callbacks)
    assert sent(task=task) == []
    run_on(dt.date(2026, 9, 29), django_capture_on_commit_callbacks)
    assert sent(task=task) == [("before", who, NATIONAL_DAY_DUE)]
    assert [m.to for m in task_mails(mailoutbox)] == [[world.community.email]]
    assert "2026-10-08" in task_mails(mailoutbox)[0].subject
    notification = Notification.objects.get(recipient=world.community, title__contains="到期")
    assert notification.url == reverse("workflows:task", kwargs={"task_pk": task.pk})
    assert not notification.send_email  # mailed by the reminder, not by the notification sweep
    # The beat restarted: the same day again, and the next working day, send nothing twice.
    run_on(dt.date(2026, 9, 29), django_capture_on_commit_callbacks)
    run_on(dt.date(2026, 9, 30), django_capture_on_commit_callbacks)
    for day in range(1, 8):  # the holiday: nothing at all, not even the due-day notice
        counts = run_on(dt.date(2026, 10, day), django_capture_on_commit_callbacks)
        assert not any(counts.values()), day
    assert sent(task=task) == [("before", who, NATIONAL_DAY_DUE)]
    assert len(task_mails(mailoutbox)) == 1
    assert Notification.objects.filter(recipient=world.community,
                                        title__contains="到期").count() == 1
    run_on(NATIONAL_DAY_DUE, django_capture_on_commit_callbacks)
    run_on(NATIONAL_DAY_DUE, django_capture_on_commit_callbacks)
    assert sent(task=task) == [("before", who, NATIONAL_DAY_DUE), ("due", who, NATIONAL_DAY_DUE)]
    assert len(task_mails(mailoutbox)) == 2
    assert "今日到期" in task_mails(mailoutbox)[1].subject


def reminders_on(day: dt.date, task) -> list[str]:
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=TZ), tick=False):
        reminders_send()
    return [k for k, *_ in sent(task=task)]


def test_a_holiday_added_as_data_moves_the_reminder(world, django_capture_on_commit_callbacks):
    due = dt.date(2026, 11, 19)  # a Thursday: two working days before is Tuesday the 17th...
    task = need_task(world, due)
    assert reminders_on(dt.date(2026, 11, 16), task) == []
    Holiday.objects.create(date=dt.date(2026, 11, 18), name="临时假日")  # ...unless Wed is off
    assert reminders_on(dt.date(2026, 11, 13), task) == []  # Fri: 16, 17 and 19 are three
    assert reminders_on(dt.date(2026, 11, 16), task) == ["before"]  # Mon: 17 and 19
    assert reminders_on(dt.date(2026, 11, 17), task) == ["before"]  # once
    assert reminders_on(dt.date(2026, 11, 18), task) == ["before"]  # nothing on the holiday
    assert reminders_on(due, task) == ["before", "due"]


def test_due_date_on_a_day_off_is_reminded_on_the_last_working_day(
        world, django_capture_on_commit_callbacks):
    task = need_task(world, dt.date(2026, 10, 4))  # a Sunday inside 国庆
    run_on(dt.date(2026, 9, 30), django_capture_on_commit_callbacks)
    assert [k for k, *_ in sent(task=task)] == ["due"]
    assert "非工作日" in Reminder.objects.get(task=task).body


def test_overdue_task_is_escalated_to_the_organization_head_once(
        world, django_capture_on_commit_callbacks, mailoutbox):
    head = UserFactory(username="head_community", real_name="李主任")
    membership_grant(user=head, organization=world.community_org, role=Role.COMMUNITY,
                     actor=None, is_head=True)
    task = need_task(world, NATIONAL_DAY_DUE)
    Reminder.objects.all().delete()
    run_on(dt.date(2026, 10, 9), django_capture_on_commit_callbacks)
    # The head also holds the role: reminded as an owner and, as the head, escalated to.
    assert sent(task=task) == [
        ("escalation", "head_community", NATIONAL_DAY_DUE),
        ("overdue", world.community.username, NATIONAL_DAY_DUE),
        ("overdue", "head_community", NATIONAL_DAY_DUE),
    ]
    escalation = Reminder.objects.get(task=task, kind="escalation")
    assert "负责人" in escalation.body
    mails = len(mailoutbox)
    run_on(dt.date(2026, 10, 10), django_capture_on_commit_callbacks)  # 调休 Saturday: working
    run_on(dt.date(2026, 10, 12), django_capture_on_commit_callbacks)
    assert len(sent(task=task)) == 3
    assert len(mailoutbox) == mails


def test_no_head_no_escalation_but_counted(world):
    need_task(world, NATIONAL_DAY_DUE)
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, tzinfo=TZ), tick=False):
        counts = reminders_send()
    assert counts["overdue"] == 1
    assert counts["escalation"] == 0
    assert counts["unescalated"] == 1


def test_assigned_task_reminds_only_its_owner(world, django_capture_on_commit_callbacks):
    colleague = user_with_role(Role.COMMUNITY, world.community_org)
    task = need_task(world, dt.date(2026, 11, 20))
    task.flow_task.activation_class(task).assign(colleague)
    run_on(dt.date(2026, 11, 18), django_capture_on_commit_callbacks)
    assert sent(task=task) == [("before", colleague.username, dt.date(2026, 11, 20))]


def test_delegated_project_reminds_only_the_officer(world, django_capture_on_commit_callbacks):
    officer = user_with_role(Role.PURCHASER, world.purchaser_org)
    task = approval_task(world, dt.date(2026, 11, 20))
    project = task.process.serviceprojectprocess.project
    project_grant_delegate(project=project, user=officer, actor=world.purchaser)
    run_on(dt.date(2026, 11, 18), django_capture_on_commit_callbacks)
    assert sent(task=task) == [("before", officer.username, dt.date(2026, 11, 20))]


def test_weekly_digest_on_the_weekday_only_once_per_week(
        world, django_capture_on_commit_callbacks, mailoutbox):
    need_task(world, dt.date(2026, 12, 30))
    need_task(world, dt.date(2026, 11, 13))  # overdue by the 17th
    run_on(dt.date(2026, 11, 17), django_capture_on_commit_callbacks)  # Tuesday
    assert sent(kind="digest") == []
    run_on(dt.date(2026, 11, 18), django_capture_on_commit_callbacks)  # Wednesday
    run_on(dt.date(2026, 11, 18), django_capture_on_commit_callbacks)
    run_on(dt.date(2026, 11, 19), django_capture_on_commit_callbacks)
    monday = dt.date(2026, 11, 16)
    assert sent(kind="digest") == [("digest", world.community.username, monday)]
    digest = Reminder.objects.get(kind="digest")
    assert "2 项" in digest.title
    assert "2026-11-13 已逾期" in digest.body and "2026-12-30" in digest.body
    assert [m for m in mailoutbox if m.subject == digest.title]
    run_on(dt.date(2026, 11, 25), django_capture_on_commit_callbacks)  # next Wednesday
    assert [d for *_, d in sent(kind="digest")] == [monday, dt.date(2026, 11, 23)]


def test_digest_weekday_off_moves_to_the_next_working_day(
        world, settings, django_capture_on_commit_callbacks):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "REMINDER_DIGEST_WEEKDAY": 0}
    need_task(world, dt.date(2026, 12, 30))
    run_on(dt.date(2026, 10, 5), django_capture_on_commit_callbacks)  # Monday in 国庆
    assert sent(kind="digest") == []
    run_on(dt.date(2026, 10, 8), django_capture_on_commit_callbacks)  # that week's first workday
    assert sent(kind="digest") == [("digest", world.community.username, dt.date(2026, 10, 5))]


def test_email_off_sends_no_mail_even_from_the_pending_mail_sweep(
        world, settings, django_capture_on_commit_callbacks, mailoutbox):
    settings.REMINDER_EMAIL = False
    need_task(world, NATIONAL_DAY_DUE)
    run_on(dt.date(2026, 9, 29), django_capture_on_commit_callbacks)
    assert Notification.objects.filter(recipient=world.community).count() == 1
    assert not Reminder.objects.filter(email_wanted=True).exists()
    with time_machine.travel(dt.datetime(2026, 9, 29, 9, tzinfo=TZ), tick=False):
        send_pending_emails()
    assert mailoutbox == []


def test_in_app_off_mails_without_a_notification(
        world, settings, django_capture_on_commit_callbacks, mailoutbox):
    settings.REMINDER_IN_APP = False
    need_task(world, NATIONAL_DAY_DUE)
    run_on(dt.date(2026, 9, 29), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(recipient=world.community).exists()
    assert [m.to for m in mailoutbox] == [[world.community.email]]


def test_both_off_records_nothing(world, settings, django_capture_on_commit_callbacks):
    settings.REMINDER_IN_APP = settings.REMINDER_EMAIL = False
    need_task(world, NATIONAL_DAY_DUE)
    run_on(dt.date(2026, 9, 29), django_capture_on_commit_callbacks)
    assert not Reminder.objects.exists()


def test_failed_mail_is_retried_and_swept_by_the_next_run(
        world, monkeypatch, django_capture_on_commit_callbacks, mailoutbox):
    # On a worker, an SMTP error (OSError) makes celery retry the e-mail with back-off.
    assert OSError in send_reminder_emails.autoretry_for
    assert send_reminder_emails.retry_backoff and send_reminder_emails.max_retries >= 3
    need_task(world, NATIONAL_DAY_DUE)

    def down(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("workflows.tasks.send_mail", down)
    with pytest.raises(Retry):  # celery asks for a retry (eager: surfaces instead of waiting)
        run_on(dt.date(2026, 9, 29), django_capture_on_commit_callbacks)
    reminder = Reminder.objects.get(kind="before")
    assert reminder.email_wanted and reminder.email_sent_at is None
    assert Notification.objects.filter(title=reminder.title).count() == 1  # in-app stands
    monkeypatch.undo()
    run_on(dt.date(2026, 9, 30), django_capture_on_commit_callbacks)  # the next daily run
    assert [m.subject for m in task_mails(mailoutbox)] == [reminder.title]
    reminder.refresh_from_db()
    assert reminder.email_sent_at is not None
    assert send_reminder_emails.delay([reminder.pk]).get() == 0  # never twice
    run_on(dt.date(2026, 10, 8), django_capture_on_commit_callbacks)
    assert len(task_mails(mailoutbox)) == 2  # the due-day notice; the first not again


# Tasks, role holders, 经办人 grants, heads, sent reminders, sent digests, two inserts, the audit
# entry (savepoint, chain head, insert, update, release) and the run's own savepoint pair.
REMINDER_RUN_QUERIES = 15


@pytest.mark.parametrize("n", [2, 20])
def test_query_count_does_not_grow_with_tasks(world, n, django_assert_max_num_queries):
    membership_grant(user=UserFactory(), organization=world.community_org, role=Role.COMMUNITY,
                     actor=None, is_head=True)
    for i in range(n):
        # Half the tasks due in two working days, half overdue (escalated: a head exists).
        if i % 2:
            approval_task(world, dt.date(2026, 11, 20))
        else:
            need_task(world, dt.date(2026, 11, 13))
    with time_machine.travel(dt.datetime(2026, 11, 18, 9, tzinfo=TZ), tick=False):
        reminders_send()  # warms the calendar and ContentType caches
        Reminder.objects.all().delete()
        with django_assert_max_num_queries(REMINDER_RUN_QUERIES):
            counts = reminders_send()
    assert counts["before"] == n // 2  # one purchaser per approval task
    assert counts["overdue"] == 2 * (n // 2)  # the community officer and the head
    assert counts["escalation"] == n // 2
    assert counts["digest"] == 3


def test_admin_lists_reminders_read_only(world, client):
    need_task(world, NATIONAL_DAY_DUE)
    with time_machine.travel(dt.datetime(2026, 9, 29, 9, tzinfo=TZ), tick=False):
        reminders_send()
    reminder = Reminder.objects.get(kind="before")
    client.force_login(world.superuser)
    page = client.get(reverse("admin:workflows_reminder_changelist"))
    assert page.status_code == 200
    assert reminder.title in page.content.decode()
    change = client.post(reverse("admin:workflows_reminder_change", args=[reminder.pk]),
                         {"title": "改"})
    assert change.status_code in (403, 200)
    reminder.refresh_from_db()
    assert reminder.title != "改"
    client.force_login(world.admin)  # a platform admin does not read the chain's tasks
    assert client.get(reverse("admin:workflows_reminder_changelist")).status_code == 403


def test_owners_are_exactly_the_users_whose_inbox_holds_the_task(world):
    from viewflow.workflow.models import Task

    from workflows.permissions import open_tasks_q
    from workflows.reminders import open_due_tasks

    officer = user_with_role(Role.PURCHASER, world.purchaser_org)
    colleague = user_with_role(Role.COMMUNITY, world.community_org)
    need_task(world, NATIONAL_DAY_DUE)
    assigned = need_task(world, NATIONAL_DAY_DUE)
    assigned.flow_task.activation_class(assigned).assign(colleague)
    approval_task(world, NATIONAL_DAY_DUE)
    delegated = approval_task(world, NATIONAL_DAY_DUE)
    project_grant_delegate(project=delegated.process.serviceprojectprocess.project, user=officer,
                           actor=world.purchaser)
    people = [u for u in world.everyone().values() if u is not None] + [officer, colleague]
    rows = open_due_tasks()
    assert len(rows) == 4
    for row in rows:
        inbox = {u.username for u in people
                 if Task.objects.filter(open_tasks_q(u), pk=row.task.pk).exists()}
        assert {u.username for u in row.owners} == inbox, row.title
