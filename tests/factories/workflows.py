"""Factories of the workflow process rows (no tasks: a started flow comes from workflows.services)."""

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
