"""Factories of the workflow process rows (no tasks: a started flow comes from workflows.services)."""
import datetime

import factory
from factory.django import DjangoModelFactory

from tests.factories.procurement import NeedFactory, ServiceProjectFactory
from workflows.flows import NeedFlow, ServiceProjectFlow
from workflows.models import NeedProcess, ServiceProjectProcess


class ServiceProjectProcessFactory(DjangoModelFactory):
    class Meta:
        model = ServiceProjectProcess

    flow_class = ServiceProjectFlow
    project = factory.SubFactory(ServiceProjectFactory)


class NeedProcessFactory(DjangoModelFactory):
    class Meta:
        model = NeedProcess

    flow_class = NeedFlow
    need = factory.SubFactory(NeedFactory)


class ReminderFactory(DjangoModelFactory):
    """A weekly digest sent to a user (no task); pass task= and kind= for a task's reminder."""

    class Meta:
        model = "workflows.Reminder"

    user = factory.SubFactory("tests.factories.accounts.UserFactory")
    task = None
    kind = "digest"
    due_date = factory.Sequence(lambda n: datetime.date(2026, 1, 5) + datetime.timedelta(weeks=n))
    title = "本周待办汇总"
