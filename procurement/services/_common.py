"""Helpers shared by the procurement services: recipients, links, dates."""

import calendar
import datetime

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from accounts.roles import Role
from accounts.selectors import organization_members


def staff_of(organization, role: str) -> QuerySet:
    """Return the active users holding role in organization (the next actors to notify)."""
    return organization_members(organization, role)


def finance_staff_for_project(project) -> QuerySet:
    """Return the finance reviewers whose bureau covers the project's purchaser division."""
    from finance.models import BudgetCommitment

    User = get_user_model()
    commitment = (
        BudgetCommitment.objects.select_related("envelope__finance_bureau")
        .filter(project_id=project.pk).first()
    )
    if commitment is not None:
        return staff_of(commitment.envelope.finance_bureau, Role.FINANCE)
    lineage = []
    division = project.purchaser.division
    while division is not None:
        lineage.append(division.pk)
        division = division.parent
    return User.objects.filter(
        is_active=True,
        memberships__role=Role.FINANCE,
        memberships__is_active=True,
        memberships__organization__division_id__in=lineage,
    ).distinct()


def link(name: str, *args, fallback: str = "") -> str:
    """Return the URL of a named page, or the fallback while that page does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same day of the month months later (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
