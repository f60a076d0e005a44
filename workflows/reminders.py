"""Task reminders: before the due date, on it, overdue (escalated to the head), weekly digest.

The daily beat task (``workflows.tasks.send_task_reminders``) calls ``reminders_send``. For every
open human task whose ``task.data["deadline"]`` holds a date it reminds the task's owners — the
user it is assigned to, or every user who may take it (the inbox's rule, ``open_tasks_q``: the
active holders of its role in its organization; for the purchaser's tasks of a project given to
an officer (经办人), that officer only):

- ``before``: on the working day ``PLATFORM_RULES["REMINDER_WORKING_DAYS"]`` working days before
  the due date (a later working day catches up when the task came in later or the beat was down);
- ``due``: on the due date, or on the last working day before it when it falls on a day off;
- ``overdue``: on the first working day after the due date, to the owners, and ``escalation`` to
  the organization's head (负责人): the active memberships of the organization marked
  ``Membership.is_head``. The organization is the task's (a role task's) or, for a task given to
  one user (an expert's seat, the third-party evaluator), the project's purchaser or the need's
  community. An organization without a head gets no escalation (counted as ``unescalated``).
- ``digest``: on ``PLATFORM_RULES["REMINDER_DIGEST_WEEKDAY"]`` (or the week's next working day when
  that day is off), one message per user listing all their open tasks with a due date.

Nothing is sent on a day off. Each reminder is a ``workflows.Reminder`` row whose unique key makes
a second run the same day (a restarted beat) send nothing. In-app notifications
(``settings.REMINDER_IN_APP``) are written in the same transaction as the rows; e-mail
(``settings.REMINDER_EMAIL``) is sent after commit by ``send_reminder_emails``, retried on failure
and swept again by the next daily run. The whole run reads a fixed number of queries.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Membership, Organization
from accounts.roles import Role
from core.audit import audit_record
from core.calendar import is_working_day
from core.models import Notification
from workflows.models import Reminder
from workflows.permissions import ROLE_PERMISSION_PREFIX, role_permission

# How far ahead working days are counted: a due date further away is never reminded today.
_COUNT_HORIZON_DAYS = 120


@dataclass
class DueTask:
    """One open task with a due date, the users it is theirs to do and its organization."""

    task: Task
    due: datetime.date
    title: str
    subject: str
    organization_id: int | None
    role: str = ""  # a task open to a role: the role ("" for a task assigned to one user)
    owners: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return reverse("workflows:task", kwargs={"task_pk": self.task.pk})


def _working_days_until(today: datetime.date, due: datetime.date, limit: int) -> int:
    """Return the working days in (today, due], counting no further than limit + 1."""
    count, day = 0, today
    while day < due and count <= limit:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def _digest_day(today: datetime.date) -> datetime.date | None:
    """Return this week's digest day: the configured weekday, or the week's next working day."""
    monday = today - datetime.timedelta(days=today.weekday())
    day = monday + datetime.timedelta(days=settings.PLATFORM_RULES["REMINDER_DIGEST_WEEKDAY"])
    while (day - monday).days < 7:
        if is_working_day(day):
            return day
        day += datetime.timedelta(days=1)
    return None


def _due_date(task) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((task.data or {}).get("deadline") or "")
    except (TypeError, ValueError):
        return None


def _subject(task) -> tuple[str, int | None, int | None]:
    """Return the project's or need's title, and the purchaser / community organization id."""
    process = task.process
    for attr, name in (("serviceprojectprocess", "project"), ("needprocess", "need")):
        try:
            obj = getattr(getattr(process, attr), name)
        except (AttributeError, process.__class__.DoesNotExist):
            continue
        if obj is None:
            continue
        if name == "project":
            return obj.title, obj.purchaser_id, None
        return obj.title, None, obj.community_id
    return str(process), None, None


def open_due_tasks() -> list[DueTask]:
    """Return every open human task that has a due date, with its owners, in four queries."""
    tasks = list(
        Task.objects.filter(flow_task_type="HUMAN", data__has_key="deadline")
        .filter(Q(status=STATUS.ASSIGNED, owner__isnull=False)
                | Q(status=STATUS.NEW, owner__isnull=True))
        .select_related("owner", "process", "process__serviceprojectprocess__project",
                        "process__needprocess__need")
        .order_by("pk")
    )
    org_type_id = ContentType.objects.get_for_model(Organization).pk
    rows, pairs, purchaser_projects = [], set(), set()
    for task in tasks:
        due = _due_date(task)
        if due is None:
            continue
        subject, purchaser_id, community_id = _subject(task)
        permission = task.owner_permission or ""
        role, org_id = "", None
        if (task.owner_id is None and permission.startswith(ROLE_PERMISSION_PREFIX)
                and task.owner_permission_content_type_id == org_type_id
                and (task.owner_permission_obj_pk or "").isdigit()):
            role, org_id = permission[len(ROLE_PERMISSION_PREFIX):], int(task.owner_permission_obj_pk)
            pairs.add((role, org_id))
            if permission == role_permission(Role.PURCHASER):
                project = getattr(getattr(task.process, "serviceprojectprocess", None), "project",
                                  None)
                if project is not None:
                    purchaser_projects.add(project.pk)
        row = DueTask(task=task, due=due, title=str(task.flow_task.task_title or task.flow_task.name),
                      subject=subject, organization_id=org_id or purchaser_id or community_id,
                      role=role)
        rows.append(row)
    holders = defaultdict(list)
    if pairs:  # roles × organizations, then the pairs asked for (no OR chain: SQLite's depth)
        memberships = Membership.objects.filter(
            role__in={role for role, _ in pairs}, organization_id__in={org for _, org in pairs},
            is_active=True, user__is_active=True,
        ).select_related("user").order_by("user_id")
        for m in memberships:
            if (m.role, m.organization_id) in pairs:
                holders[(m.role, m.organization_id)].append(m.user)
    delegates = _project_delegates(purchaser_projects)
    for row in rows:
        task = row.task
        if task.owner_id is not None:
            row.owners = [task.owner] if task.owner.is_active else []
            continue
        if not row.role:
            continue
        users = holders.get((row.role, row.organization_id), [])
        if row.role == Role.PURCHASER:
            project = getattr(getattr(task.process, "serviceprojectprocess", None), "project", None)
            delegate_ids = delegates.get(project.pk) if project is not None else None
            if delegate_ids:
                users = [u for u in users if u.pk in delegate_ids]
        row.owners = users
    return rows


def _project_delegates(project_ids: set[int]) -> dict[int, set[int]]:
    """Return project id → the officers (经办人) it is delegated to, for the given projects."""
    if not project_ids:
        return {}
    from guardian.models import UserObjectPermission

    found = defaultdict(set)
    rows = UserObjectPermission.objects.filter(
        content_type__app_label="procurement", content_type__model="serviceproject",
        permission__codename="handle_serviceproject",
        object_pk__in=[str(pk) for pk in project_ids],  # no cast: other types' keys need not be int
    ).values_list("object_pk", "user_id")
    for object_pk, user_id in rows:
        found[int(object_pk)].add(user_id)
    return found


def _heads(organization_ids: set[int]) -> dict[int, list]:
    heads = defaultdict(list)
    if organization_ids:
        for m in (Membership.objects.filter(organization_id__in=organization_ids, is_head=True,
                                            is_active=True, user__is_active=True)
                  .select_related("user").order_by("user_id")):
            if m.user not in heads[m.organization_id]:
                heads[m.organization_id].append(m.user)
    return heads


def _message(kind: str, row: DueTask, today: datetime.date, days: int = 0) -> tuple[str, str]:
    values = {"task": row.title, "subject": row.subject, "date": row.due.isoformat(),
              "days": days}
    if kind == Reminder.Kind.BEFORE:
        return (_("待办将于 %(date)s 到期：%(task)s") % values,
                _("“%(subject)s”的待办“%(task)s”将于 %(date)s 到期（还有 %(days)s 个工作日），"
                  "请及时办理。") % values)
    if kind == Reminder.Kind.DUE:
        if row.due == today:
            return (_("待办今日到期：%(task)s") % values,
                    _("“%(subject)s”的待办“%(task)s”今天（%(date)s）到期，请今日办理。") % values)
        return (_("待办将于 %(date)s 到期：%(task)s") % values,
                _("“%(subject)s”的待办“%(task)s”将于 %(date)s（非工作日）到期，今天是到期前最后一个"
                  "工作日，请今日办理。") % values)
    if kind == Reminder.Kind.OVERDUE:
        return (_("待办已逾期：%(task)s") % values,
                _("“%(subject)s”的待办“%(task)s”应于 %(date)s 前办理，现已逾期，请尽快办理。")
                % values)
    return (_("本机构待办已逾期：%(task)s") % values,
            _("“%(subject)s”的待办“%(task)s”应于 %(date)s 前办理，现已逾期。您是本机构负责人，"
              "请督促办理。") % values)


def _digest(user_rows: list[DueTask], today: datetime.date) -> tuple[str, str]:
    lines = []
    for row in sorted(user_rows, key=lambda r: (r.due, r.task.pk)):
        state = _("已逾期") if row.due < today else _("到期")
        lines.append(f"- {row.due.isoformat()} {state}：{row.title}（{row.subject}）")
    title = _("本周待办汇总：%(count)s 项待办有办理期限") % {"count": len(user_rows)}
    body = _("以下待办有办理期限，请按期办理：") + "\n" + "\n".join(lines)
    return title, body


@transaction.atomic
def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send today's task reminders once each; return how many of each kind were recorded.

    Safe to run any number of times a day: a reminder already recorded is not sent again.
    """
    today = today or timezone.localdate()
    counts = {kind: 0 for kind in Reminder.Kind.values} | {"unescalated": 0}
    in_app, email = settings.REMINDER_IN_APP, settings.REMINDER_EMAIL
    if not (in_app or email) or not is_working_day(today):
        return counts
    lead = settings.PLATFORM_RULES["REMINDER_WORKING_DAYS"]
    rows = open_due_tasks()
    overdue_orgs = {r.organization_id for r in rows if r.due < today and r.organization_id}
    heads = _heads(overdue_orgs)
    sent = set(
        Reminder.objects.filter(task_id__in=[r.task.pk for r in rows])
        .values_list("task_id", "user_id", "kind", "due_date")
    ) if rows else set()
    new: list[Reminder] = []

    def add(kind, user, row=None, *, title, body, url="", due=None):
        key = (row.task.pk if row else None, user.pk, kind, due or row.due)
        if key in sent:
            return
        sent.add(key)
        new.append(Reminder(user=user, task=row.task if row else None, kind=kind, due_date=key[3],
                            title=title[:200], body=body, url=url,
                            email_wanted=bool(email and user.email)))
        counts[kind] += 1

    horizon = today + datetime.timedelta(days=_COUNT_HORIZON_DAYS)
    for row in rows:
        if row.due < today:
            title, body = _message(Reminder.Kind.OVERDUE, row, today)
            for user in row.owners:
                add(Reminder.Kind.OVERDUE, user, row, title=title, body=body, url=row.url)
            title, body = _message(Reminder.Kind.ESCALATION, row, today)
            org_heads = heads.get(row.organization_id, [])
            if not org_heads:
                counts["unescalated"] += 1
            for user in org_heads:
                add(Reminder.Kind.ESCALATION, user, row, title=title, body=body)
            continue
        if row.due > horizon:
            continue
        days = _working_days_until(today, row.due, lead)
        if days == 0:
            kind = Reminder.Kind.DUE
        elif days <= lead:
            kind = Reminder.Kind.BEFORE
        else:
            continue
        title, body = _message(kind, row, today, days)
        for user in row.owners:
            add(kind, user, row, title=title, body=body, url=row.url)

    if _digest_day(today) == today:
        week = today - datetime.timedelta(days=today.weekday())
        done = set(Reminder.objects.filter(task__isnull=True, kind=Reminder.Kind.DIGEST,
                                           due_date=week).values_list("user_id", flat=True))
        by_user, users = defaultdict(list), {}
        for row in rows:
            for user in row.owners:
                by_user[user.pk].append(row)
                users[user.pk] = user
        for user_id, user_rows in by_user.items():
            if user_id in done:
                continue
            title, body = _digest(user_rows, today)
            add(Reminder.Kind.DIGEST, users[user_id], title=title, body=body,
                url=reverse("home"), due=week)

    if not new:
        return counts
    created = Reminder.objects.bulk_create(new)
    if in_app:
        Notification.objects.bulk_create([
            Notification(recipient=r.user, title=r.title, body=r.body, url=r.url, send_email=False)
            for r in created
        ])
    mail_ids = [r.pk for r in created if r.email_wanted]
    if email and mail_ids:
        from core.queue import enqueue_on_commit
        from workflows.tasks import send_reminder_emails

        enqueue_on_commit(send_reminder_emails, mail_ids)
    audit_record(actor=None, action="workflows.reminders_sent",
                 after={"date": today.isoformat(), **counts})
    return counts
