"""Factories of the core models (audit log, notifications, calendar, files, documents)."""

import datetime
import hashlib

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.audit import audit_record
from core.models import (
    AuditChainHead,
    AuditEntry,
    Document,
    Holiday,
    Notification,
    SessionCachePurge,
    StoredFile,
)
from tests.factories.accounts import OrganizationFactory, UserFactory

PDF_BYTES = b"%PDF-1.7\n% test document\n"


class AuditEntryFactory(DjangoModelFactory):
    """An audit row appended through core.audit.audit_record, so the hash chain stays whole."""

    class Meta:
        model = AuditEntry

    actor = factory.SubFactory(UserFactory)
    action = "test.action"
    target = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return audit_record(actor=kwargs["actor"], action=kwargs["action"], target=kwargs["target"],
                            before=kwargs.get("before"), after=kwargs.get("after"))


class AuditChainHeadFactory(DjangoModelFactory):
    """The single chain head row (pk=1), found if it exists."""

    class Meta:
        model = AuditChainHead
        django_get_or_create = ("id",)

    id = 1


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"通知{n}")
    body = "请及时处理。"
    url = "/workspace/"

    class Params:
        read = factory.Trait(read_at=factory.LazyFunction(timezone.now))


class SessionCachePurgeFactory(DjangoModelFactory):
    """The cache key of a session removed while the cache was unreachable (core.sessions)."""

    class Meta:
        model = SessionCachePurge

    cache_key = factory.Sequence(lambda n: f"django.contrib.sessions.cached_db{n:032d}")


class HolidayFactory(DjangoModelFactory):
    class Meta:
        model = Holiday

    # Far-future days so that no working-day computation of a test meets them by accident.
    date = factory.Sequence(lambda n: datetime.date(2090, 1, 1) + datetime.timedelta(days=n))
    name = "测试假日"
    kind = Holiday.Kind.HOLIDAY

    class Params:
        workday = factory.Trait(kind=Holiday.Kind.WORKDAY, name="调休上班")


class StoredFileFactory(DjangoModelFactory):
    """An uploaded PDF attached to an organization (any model instance: owner=...)."""

    class Meta:
        model = StoredFile
        exclude = ("owner",)

    owner = factory.SubFactory(OrganizationFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.owner))
    object_id = factory.LazyAttribute(lambda o: o.owner.pk)
    original_name = factory.Sequence(lambda n: f"附件{n}.pdf")
    file = factory.django.FileField(filename="upload.pdf", data=PDF_BYTES)
    size = len(PDF_BYTES)
    sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    mime_type = "application/pdf"
    uploaded_by = factory.SubFactory(UserFactory)


class DocumentFactory(DjangoModelFactory):
    """A generated-document row, not yet rendered (no file), owned by an organization."""

    class Meta:
        model = Document
        exclude = ("owner",)

    owner = factory.SubFactory(OrganizationFactory)
    kind = factory.Sequence(lambda n: f"test_document_{n}")
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.owner))
    object_id = factory.LazyAttribute(lambda o: o.owner.pk)
    template_name = "documents/contract.html"
    context = factory.LazyFunction(dict)
    inputs_hash = factory.Sequence(lambda n: hashlib.sha256(str(n).encode()).hexdigest())
