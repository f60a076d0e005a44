"""Service-record pages: the record with its evidence, the community's confirmation, the form
on a phone (camera upload), and the community worker's home listing records to confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from delivery.models import ServiceRecord
from delivery.services.record_files import service_record_add_with_files
from tests.factories import DEFAULT_PASSWORD
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path), "base_url": None}},
    }
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


@pytest.fixture
def contract(world):
    (project,) = rows_at_stage(world, 1, "signed")
    return project.contract


def _record(world, contract, files=()):
    return service_record_add_with_files(
        contract=contract, actor=world.social_worker, deliverable=contract.project.deliverables.first(),
        served_on=timezone.localdate(), site="舜耕社区活动室", participants=12,
        description="独居老人探访", files=list(files))


def client_for(client, user):
    client.logout()
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def test_record_page_shows_the_evidence_to_the_parties_only(client, world, contract):
    record = _record(world, contract, [SimpleUploadedFile("活动照片.png", PNG)])
    photo = record_files(record)[0]
    url = reverse("delivery:record-detail", args=[record.pk])
    for role in ("social_worker", "social_org", "purchaser", "community"):
        response = client_for(client, world.users()[role]).get(url)
        assert response.status_code == 200, role
        html = response.content.decode()
        assert f'<img src="{reverse("core:file-download", args=[photo.pk])}"' in html
        assert record.code in html and "独居老人探访" in html
        # Only the community's staff are offered the confirmation.
        assert (reverse("delivery:record-confirm", args=[record.pk]) in html) == (role == "community")
    other = world_build(suffix="乙", **PAGE_WORLD)
    for user in [world.resident, world.finance, world.supplier_staff[1],
                 *(other.users()[r] for r in ("community", "purchaser", "social_worker"))]:
        assert client_for(client, user).get(url).status_code == 404, user
    assert client_for(client, world.community).get(
        reverse("delivery:record-detail", args=[record.pk + 999])).status_code == 404


def record_files(record):
    from delivery.views import _attach_evidence
    _attach_evidence([record])
    return record.evidence


def test_community_confirms_after_a_confirmation_page(client, world, contract):
    record = _record(world, contract)
    url = reverse("delivery:record-confirm", args=[record.pk])
    c = client_for(client, world.community)
    audits = AuditEntry.objects.filter(action="service_record.confirm")
    for response in (c.get(url), c.post(url, {})):  # the page names the consequence, no change
        assert response.status_code == 200
        assert "不能撤回" in response.content.decode()
    record.refresh_from_db()
    assert record.confirmed_at is None and not audits.exists()
    response = c.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:record-detail", args=[record.pk])
    record.refresh_from_db()
    assert record.confirmed_by == world.community and record.confirmed_at is not None
    assert audits.count() == 1
    # Twice: the service refuses in Chinese, nothing more is written.
    response = c.post(url, {"confirmed": "1"})
    assert response.status_code == 200 and audits.count() == 1


def test_only_the_community_may_confirm(client, world, contract):
    record = _record(world, contract)
    url = reverse("delivery:record-confirm", args=[record.pk])
    other = world_build(suffix="乙", **PAGE_WORLD)
    for user in [world.social_worker, world.supplier_staff[0], world.purchaser, world.resident,
                 other.community]:
        c = client_for(client, user)
        assert c.get(url).status_code == 404, user
        assert c.post(url, {"confirmed": "1"}).status_code == 404, user
    assert not ServiceRecord.objects.filter(confirmed_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="service_record.confirm").exists()
    client.logout()
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_home_lists_records_waiting_for_the_community(client, world, contract):
    first, second = _record(world, contract), _record(world, contract)
    c = client_for(client, world.community)
    html = c.get(reverse("home")).content.decode()
    assert "待社区确认的服务台账（2）" in html
    assert f'data-record="{first.pk}"' in html and f'data-record="{second.pk}"' in html
    c.post(reverse("delivery:record-confirm", args=[first.pk]), {"confirmed": "1"})
    html = c.get(reverse("home")).content.decode()
    assert f'data-record="{first.pk}"' not in html and "待社区确认的服务台账（1）" in html
    assert "待社区确认的服务台账" not in client_for(client, world.purchaser).get(
        reverse("home")).content.decode()


def test_record_list_links_to_the_record_and_filters_the_waiting(client, world, contract):
    first, second = _record(world, contract), _record(world, contract)
    c = client_for(client, world.community)
    c.post(reverse("delivery:record-confirm", args=[first.pk]), {"confirmed": "1"})
    html = c.get(reverse("delivery:record-list") + "?pending=1").content.decode()
    assert reverse("delivery:record-detail", args=[second.pk]) in html
    assert reverse("delivery:record-detail", args=[first.pk]) not in html


def test_record_form_opens_the_camera_and_stores_photos_and_sheets(client, world, contract):
    c = client_for(client, world.social_worker)
    url = reverse("delivery:record-add", args=[contract.pk])
    html = c.get(url).content.decode()
    assert 'accept="image/*" capture="environment" multiple' in html
    response = c.post(url, {
        "deliverable": contract.project.deliverables.first().pk,
        "served_on": timezone.localdate().isoformat(), "site": "舜耕社区活动室", "participants": 12,
        "description": "独居老人探访",
        "photos": [SimpleUploadedFile("现场1.png", PNG), SimpleUploadedFile("现场2.png", PNG)],
        "files": [SimpleUploadedFile("签到表.png", PNG)],
    })
    assert response.status_code == 302
    record = ServiceRecord.objects.get(contract=contract)
    assert sorted(f.original_name for f in record_files(record)) == ["现场1.png", "现场2.png", "签到表.png"]


@pytest.mark.parametrize("photos", [1, 6])
def test_record_page_query_count(client, world, contract, photos, django_assert_max_num_queries):
    record = _record(world, contract, [SimpleUploadedFile(f"p{i}.png", PNG) for i in range(photos)])
    c = client_for(client, world.community)
    c.get(reverse("delivery:record-detail", args=[record.pk]))
    # session, user, memberships, record, files, the confirm rule's role check (cached)
    with django_assert_max_num_queries(7):
        assert c.get(reverse("delivery:record-detail", args=[record.pk])).status_code == 200
