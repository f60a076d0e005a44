"""Helpers shared by the procurement services: recipients, links, dates."""

import calendar
import datetime

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from accounts.roles import Role
from accounts.selectors import organization_members
from procurement.signals import budget_reviewer_wanted


def staff_of(organization, role: str) -> QuerySet:
    """Return the active users holding role in organization (the next actors to notify)."""
    return organization_members(organization, role)


def finance_staff_for_project(project) -> QuerySet:
    """Return the finance staff of the bureau that reviews the project's budget (or funds it).

    The same bureau that sees the project, so a notice never links to a page its reader cannot
    open. finance decides which bureau that is; procurement asks through a signal.
    """
    bureaus = [bureau for _receiver, bureau in budget_reviewer_wanted.send(
        sender=type(project), project=project) if bureau is not None]
    return staff_of(bureaus[0] if bureaus else None, Role.FINANCE)


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
