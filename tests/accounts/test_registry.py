"""The supplier registry (issue 7 item 9): ratings, 年检/年报, qualifications and 失信 listings,
recorded by platform admins through audited services, imported from Excel, read on pages; and
each bidder's track record beside its bid for the committee.

Anchors: 政府采购法第二十二条 (supplier conditions), 实施条例第十九条, 财库〔2016〕125号 (信用记录
查询), 社会组织评估管理办法第二十六条 (a grade is valid 5 years). The eligibility check at
submission is in tests/procurement/test_eligibility.py.
"""

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.models import AnnualInspection, CreditListing, Organization, OrganizationRating
from accounts.selectors import registry_status_for
from accounts.services.registry import (
    registry_import,
    registry_listing_record,
    registry_listing_remove,
    registry_rating_record,
)
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry
from evaluation.models import PerformanceEvaluation
from evaluation.selectors import track_records_for
from procurement.models import Contract
from tests import factories
from tests.worlds import (
    PROCUREMENT_WORLD,
    TZ,
    audit_count,
    rows_at_stage,
    social_worker_add,
    world_build,
)

pytestmark = pytest.mark.django_db

D = dt.date
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock):
    return world_build(**PROCUREMENT_WORLD)


def _rating(world, i=0, **kw):
    data = {"grade": "4A", "rated_on": D(2025, 6, 1)}
    data.update(kw)
    return registry_rating_record(organization=world.suppliers[i], actor=world.admin, **data)


# Services -------------------------------------------------------------------------------------

def test_only_platform_admins_record_the_registry_法22(world):
    """The organization, its purchaser and a superuser-less outsider cannot write the registry."""
    for user in (world.supplier_staff[0], world.purchaser, world.finance):
        with pytest.raises(PermissionDenied):
            registry_rating_record(
                organization=world.suppliers[0], actor=user, grade="5A", rated_on=D(2025, 1, 1))
    assert not OrganizationRating.objects.exists()
    before = audit_count("registry.rating")
    _rating(world)
    assert audit_count("registry.rating") == before + 1


def test_only_social_organizations_are_in_the_registry(world):
    with pytest.raises(ServiceError) as caught:
        registry_rating_record(organization=world.purchaser_org, actor=world.admin, grade="5A",
                               rated_on=D(2025, 1, 1))
    assert "社会组织" in caught.value.messages[0]


@pytest.mark.parametrize(("rated_on", "last_day"), [
    (D(2021, 3, 2), D(2026, 3, 1)),
    (D(2024, 2, 29), D(2029, 2, 28)),  # leap day: the period ends on the last day of February
    (D(2021, 10, 8), D(2026, 10, 7)),  # the last day falls in 国庆 2026: calendar days count
])
def test_rating_valid_five_years_by_default_评估管理办法26(world, rated_on, last_day):
    rating = _rating(world, rated_on=rated_on)
    assert rating.valid_until == last_day
    status = registry_status_for([world.suppliers[0].pk], on=last_day)[world.suppliers[0].pk]
    assert status.rating == "4A"
    after = registry_status_for([world.suppliers[0].pk],
                                on=last_day + dt.timedelta(days=1))[world.suppliers[0].pk]
    assert after.rating == ""


def test_the_latest_rating_counts_and_is_shown_with_the_organization(world):
    _rating(world, grade="3A", rated_on=D(2023, 1, 1))
    _rating(world, grade="5A", rated_on=D(2025, 1, 1))
    _rating(world, grade="2A", rated_on=D(2020, 1, 1))  # an older one recorded late
    organization = Organization.objects.get(pk=world.suppliers[0].pk)
    assert organization.rating == "5A"
    assert registry_status_for([organization.pk], on=D(2026, 3, 2))[organization.pk].rating == "5A"
    assert registry_status_for([organization.pk], on=D(2024, 1, 1))[organization.pk].rating == "3A"
    with pytest.raises(ServiceError):  # one rating per organization and day
        _rating(world, grade="4A", rated_on=D(2025, 1, 1))


def test_listing_removal_is_recorded_once_and_not_before_listing_125号(world):
    listing = registry_listing_record(
        organization=world.suppliers[0], actor=world.admin, kind=CreditListing.Kind.DEBTOR,
        source=CreditListing.Source.COURT, decision="(2025)皖0403执1号", listed_on=D(2025, 9, 1),
        queried_on=D(2026, 3, 2))
    with pytest.raises(ServiceError):
        registry_listing_remove(listing=listing, actor=world.admin, removed_on=D(2025, 8, 31))
    with pytest.raises(PermissionDenied):
        registry_listing_remove(listing=listing, actor=world.supplier_staff[0],
                                removed_on=D(2026, 3, 2))
    registry_listing_remove(listing=listing, actor=world.admin, removed_on=D(2026, 3, 2))
    with pytest.raises(ServiceError):
        registry_listing_remove(listing=listing, actor=world.admin, removed_on=D(2026, 3, 3))
    day = registry_status_for([world.suppliers[0].pk], on=D(2026, 3, 1))[world.suppliers[0].pk]
    assert day.excluded
    assert registry_status_for([world.suppliers[0].pk],
                               on=D(2026, 3, 2))[world.suppliers[0].pk].eligible


def test_listing_period_must_be_ordered(world):
    with pytest.raises(ServiceError):
        registry_listing_record(
            organization=world.suppliers[0], actor=world.admin,
            kind=CreditListing.Kind.PROCUREMENT, source=CreditListing.Source.CCGP, decision="x",
            listed_on=D(2026, 2, 16), excluded_until=D(2026, 2, 15), queried_on=D(2026, 3, 2))


def test_registry_status_is_five_queries_however_many(world, django_assert_num_queries):
    for i in range(3):
        _rating(world, i)
    ids = [o.pk for o in world.suppliers]
    with django_assert_num_queries(5):
        statuses = registry_status_for(ids, on=D(2026, 3, 2))
    assert [statuses[pk].rating for pk in ids[:3]] == ["4A"] * 3


# Excel import ----------------------------------------------------------------------------------

def _workbook(world, *, bad=False) -> SimpleUploadedFile:
    book = Workbook()
    ratings = book.active
    ratings.title = "评估等级"
    ratings.append(["统一社会信用代码", "评估等级", "评定日期", "评估机关"])
    ratings.append([world.suppliers[0].credit_code, "5A", dt.datetime(2025, 6, 1), "淮南市民政局"])
    ratings.append([world.suppliers[1].credit_code, "3A", "2024-12-01", "淮南市民政局"])
    inspections = book.create_sheet("年检")
    inspections.append(["统一社会信用代码", "年度", "结论", "结论日期"])
    inspections.append([world.suppliers[0].credit_code, 2025, "合格", "2026-02-27"])
    listings = book.create_sheet("失信名单")
    listings.append(["统一社会信用代码", "名单类别", "来源", "决定", "列入日期", "禁止截止日",
                     "查询日期"])
    listings.append([world.suppliers[2].credit_code, "政府采购严重违法失信行为记录名单",
                     "中国政府采购网", "淮财购〔2026〕2号", "2026-02-16", "2026-10-07",
                     "2026-03-02"])
    if bad:
        listings.append(["91340400MA2XXXXXXX", "失信被执行人", "信用中国", "x", "2026-01-01",
                         "", "2026-03-02"])
        ratings.append([world.suppliers[3].credit_code, "6A", "2025-01-01", ""])
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("registry.xlsx", buffer.getvalue())


def test_import_checks_then_imports_through_the_services(world):
    counts = registry_import(workbook_file=_workbook(world), actor=world.admin, dry_run=True)
    assert counts == {"评估等级": 2, "年检": 1, "失信名单": 1}
    assert not OrganizationRating.objects.exists() and not CreditListing.objects.exists()
    before = audit_count("registry.rating")
    registry_import(workbook_file=_workbook(world), actor=world.admin)
    assert audit_count("registry.rating") == before + 2
    assert audit_count("registry.import") == 1
    statuses = registry_status_for([o.pk for o in world.suppliers[:3]], on=D(2026, 3, 2))
    assert statuses[world.suppliers[0].pk].rating == "5A"
    assert statuses[world.suppliers[0].pk].inspection.result == AnnualInspection.Result.PASSED
    assert statuses[world.suppliers[2].pk].excluded


def test_import_refuses_the_whole_file_naming_each_bad_row(world):
    with pytest.raises(ServiceError) as caught:
        registry_import(workbook_file=_workbook(world, bad=True), actor=world.admin)
    messages = caught.value.messages
    assert any("评估等级 第4行" in m and "6A" in m for m in messages)
    assert any("失信名单 第3行" in m and "91340400MA2XXXXXXX" in m for m in messages)
    assert not OrganizationRating.objects.exists() and not CreditListing.objects.exists()


def test_import_refuses_other_files_and_other_users(world):
    with pytest.raises(ServiceError):
        registry_import(workbook_file=SimpleUploadedFile("x.xlsx", b"not a workbook"),
                        actor=world.admin)
    with pytest.raises(PermissionDenied):
        registry_import(workbook_file=_workbook(world), actor=world.purchaser)


# Pages -----------------------------------------------------------------------------------------

def test_registry_pages_admin_records_organization_reads_its_own(world, client):
    _rating(world)
    client.force_login(world.admin)
    html = client.get("/account/registry/").content.decode()
    assert world.suppliers[0].name in html and world.suppliers[1].name in html and "4A" in html
    url = f"/account/registry/{world.suppliers[1].pk}/listing/"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "listing-kind": "procurement", "listing-source": "ccgp", "listing-decision": "淮财购〔2026〕3号",
        "listing-listed_on": "2026-02-16", "listing-excluded_until": "2026-10-07",
        "listing-queried_on": "2026-03-02"})
    assert response.status_code == 302
    listing = CreditListing.objects.get(organization=world.suppliers[1])
    detail = client.get(f"/account/registry/{world.suppliers[1].pk}/").content.decode()
    assert "淮财购〔2026〕3号" in detail and "不符合" in detail
    end = f"/account/registry/listing/{listing.pk}/end/"
    audits = AuditEntry.objects.count()
    page = client.post(end, {"day": "2026-03-02"})  # the confirmation page: nothing changes
    assert page.status_code == 200 and "请确认：登记移出失信名单" in page.content.decode()
    listing.refresh_from_db()
    assert listing.removed_on is None and AuditEntry.objects.count() == audits
    assert client.post(end, {"day": "2026-03-02", "confirmed": "1"}).status_code == 302
    listing.refresh_from_db()
    assert listing.removed_on == D(2026, 3, 2)
    client.force_login(world.supplier_staff[0])
    own = client.get("/account/registry/").content.decode()
    assert world.suppliers[0].name in own and world.suppliers[1].name not in own
    assert client.get(f"/account/registry/{world.suppliers[0].pk}/").status_code == 200
    assert client.get(f"/account/registry/{world.suppliers[1].pk}/").status_code == 404
    assert client.get(f"/account/registry/{world.suppliers[0].pk}/rating/").status_code == 404
    assert client.get("/account/registry/import/").status_code == 404
    client.force_login(world.purchaser)
    assert client.get("/account/registry/").status_code == 404


def test_import_page_checks_first(world, client):
    client.force_login(world.admin)
    response = client.post("/account/registry/import/",
                           {"workbook": _workbook(world), "dry_run": "on"})
    assert "检查通过" in response.content.decode()
    assert not OrganizationRating.objects.exists()
    response = client.post("/account/registry/import/", {"workbook": _workbook(world)})
    assert "已导入" in response.content.decode()
    assert OrganizationRating.objects.count() == 2


# Track record ----------------------------------------------------------------------------------

def test_track_record_follows_the_organization_in_three_queries(world, django_assert_num_queries):
    """Past contracts, grades, terminated contracts and returned reports, per organization."""
    projects = rows_at_stage(world, 3, "closed", social_worker=social_worker_add(world))
    contracts = list(Contract.objects.filter(project__in=projects).order_by("pk"))
    PerformanceEvaluation.objects.filter(contract__in=contracts).delete()
    factories.PerformanceEvaluationFactory(contract=contracts[0], finalized=True)
    factories.PerformanceEvaluationFactory(contract=contracts[1], finalized=True,
                                           grade=PerformanceEvaluation.Grade.POOR)
    Contract.objects.filter(pk=contracts[2].pk).update(status=Contract.Status.TERMINATED)
    factories.MilestoneReportFactory(contract=contracts[2], submitted_by=world.supplier_staff[0],
                                     status="returned")
    ids = [o.pk for o in world.suppliers]
    with django_assert_num_queries(3):
        records = track_records_for(ids)
    mine = records[world.suppliers[0].pk]
    assert (mine.contracts, mine.terminated, mine.returned_reports) == (3, 1, 1)
    assert mine.grades == {"excellent": 1, "good": 0, "fair": 0, "poor": 1}
    assert "合同3份" in mine.summary() and "优1、差1" in mine.summary()
    assert "," in mine.summary()  # amounts as 3,000,000.00
    assert records[world.suppliers[1].pk].summary() == "平台上无履约记录"


def test_track_record_counts_late_and_missing_final_reports(world, django_assert_num_queries):
    """A late delivery follows the organization: a final report after the contract's end, or a
    contract past its end with none (法 art 49 performance; 87号令 track record for the committee)."""
    import datetime as dt

    from django.utils import timezone

    projects = rows_at_stage(world, 3, "signed", social_worker=social_worker_add(world))
    contracts = list(Contract.objects.filter(project__in=projects).order_by("pk"))
    today = timezone.localdate()
    Contract.objects.filter(pk__in=[c.pk for c in contracts]).update(
        start_date=today - dt.timedelta(days=375), end_date=today - dt.timedelta(days=10))
    end = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=10), dt.time(12)))
    # On time (the contract's last day), late (the day after), none at all (overdue).
    factories.MilestoneReportFactory(contract=contracts[0], submitted_by=world.supplier_staff[0],
                                     kind="final", submitted_at=end)
    factories.MilestoneReportFactory(contract=contracts[1], submitted_by=world.supplier_staff[0],
                                     kind="final", submitted_at=end + dt.timedelta(days=1))
    with django_assert_num_queries(3):
        record = track_records_for([world.suppliers[0].pk])[world.suppliers[0].pk]
    assert (record.late_reports, record.overdue) == (1, 1)
    assert "服务期满后提交终期报告1次" in record.summary() and "未提交终期报告1份" in record.summary()


def test_committee_sees_each_bidders_track_record_on_the_scoring_page():
    """The expert's scoring task shows a track record line per bidder beside the score fields."""
    from django.test import Client
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import STATUS

    from demo.cast import cast_build
    from demo.stages import build_project_at_stage
    from workflows.flows import ServiceProjectFlow

    cast = cast_build()
    build = build_project_at_stage("committee_formed", cast=cast)
    process = Process.objects.get(serviceprojectprocess__project=build.project)
    task = Task.objects.filter(process=process, flow_task=ServiceProjectFlow.score,
                               status=STATUS.ASSIGNED).order_by("pk").first()
    client = Client()
    client.force_login(task.owner)
    html = client.get(f"/workspace/tasks/{task.pk}/").content.decode()
    # Each bid's card on the scoring page (issue 8 item 4) holds its bidder's record.
    for bid in build.bids.values():
        card = html.split(f'id="bid-{bid.pk}"', 1)[1].split("</section>", 1)[0]
        assert bid.organization.name in card and "履约记录" in card
        assert '<dd class="score-record">' in card
    # What each criterion rewards, as published with the tender (issue 8 item 1).
    assert "持证社工人数、督导配备、同类项目经验" in html


def test_import_refuses_an_archive_bomb_before_reading_it(world, settings):
    """An .xlsx is a zip file: one unpacking beyond the limit, or holding an archive, is refused
    before openpyxl opens it (core.uploads.check_office_archive)."""
    import zipfile

    settings.UPLOAD_ARCHIVE_MAX_BYTES = 2 * 1024 * 1024
    for name, data in (("xl/media/big.bin", b"\x00" * (3 * 1024 * 1024)),
                       ("xl/media/inner.zip", b"PK\x03\x04" + b"\x00" * 40)):
        buffer = BytesIO(_workbook(world).read())
        with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as book:
            book.writestr(name, data)
        with pytest.raises(ServiceError) as caught:
            registry_import(workbook_file=SimpleUploadedFile("registry.xlsx", buffer.getvalue()),
                            actor=world.admin)
        assert caught.value.messages[0].startswith(("文件解压后过大", "文件中含有压缩包"))
    assert not OrganizationRating.objects.exists()
