"""OCDS 1.1.5: every release, record and package the portal serves validates against the
vendored official schemas; sealed bids stay out before opening; the winner is a supplier;
the bulk downloads per fiscal year have a bounded query count."""

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.ocds.build import compile_release
from portal.ocds.validation import SCHEMA_DIR, errors, schema
from procurement.models import Tender
from tests import factories
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db

STAGES = ("budget_confirmed", "published", "opened", "awarded", "signed", "closed")
RELEASE, RELEASE_PACKAGE, RECORD_PACKAGE = (
    "release-schema.json", "release-package-schema.json", "record-package-schema.json")


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def _get(client, name, *args) -> dict:
    response = client.get(reverse(f"portal:{name}", args=args))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


def _assert_valid(data: dict, name: str) -> None:
    problems = errors(data, name)
    assert not problems, "\n".join(problems[:20])


def _assert_package_valid(data: dict) -> None:
    """A package and each release and compiled release in it validate on their own too."""
    if "releases" in data:
        _assert_valid(data, RELEASE_PACKAGE)
        releases = data["releases"]
    else:
        _assert_valid(data, RECORD_PACKAGE)
        releases = [r for record in data["records"] for r in record["releases"]]
        for record in data["records"]:
            _assert_valid(record["compiledRelease"], RELEASE)
    for release in releases:
        _assert_valid(release, RELEASE)
        assert not _codelist_problems(release)
    ids = [(r["ocid"], r["id"]) for r in releases]
    assert len(ids) == len(set(ids))  # release ids are unique within a process


def _codes(name: str) -> set[str]:
    """Return the codes of a vendored codelist that are not deprecated."""
    with open(SCHEMA_DIR / "codelists" / name, encoding="utf-8") as f:
        return {row["Code"] for row in csv.DictReader(f) if not row.get("Deprecated")}


def _codelist_problems(release: dict) -> list[str]:
    """Return the codes of open codelists (which the schema does not enumerate) that the
    release uses but the OCDS codelists do not define."""
    used = [("releaseTag.csv", code) for code in release["tag"]]
    used += [("partyRole.csv", role) for p in release.get("parties", []) for role in p["roles"]]
    for related in release.get("relatedProcesses", []):
        used += [("relatedProcess.csv", code) for code in related["relationship"]]
        used.append(("relatedProcessScheme.csv", related["scheme"]))
    tender = release.get("tender", {})
    if "awardCriteria" in tender:
        used.append(("awardCriteria.csv", tender["awardCriteria"]))
    used += [("submissionMethod.csv", code) for code in tender.get("submissionMethod", [])]
    for contract in release.get("contracts", []):
        milestones = contract.get("milestones", []) + contract.get(
            "implementation", {}).get("milestones", [])
        used += [("milestoneType.csv", m["type"]) for m in milestones]
    used += [("currency.csv", currency) for currency in _currencies(release)]
    return [f"{name}: {code}" for name, code in used if code not in _codes(name)]


def _currencies(node):
    if isinstance(node, dict):
        if set(node) == {"amount", "currency"}:
            yield node["currency"]
        for value in node.values():
            yield from _currencies(value)
    elif isinstance(node, list):
        for value in node:
            yield from _currencies(value)


def _amounts(node):
    """Yield every ``amount`` of every Value in a JSON document."""
    if isinstance(node, dict):
        if set(node) == {"amount", "currency"}:
            yield node["amount"]
        for value in node.values():
            yield from _amounts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _amounts(value)


def _failed_then_retendered(world):
    """A project whose first tender failed (废标) and whose second one is published."""
    (project,) = rows_at_stage(world, 1, "opened")
    first = project.current_tender
    Tender.objects.filter(pk=first.pk).update(status=Tender.Status.FAILED,
                                              failure_reason="有效投标不足三家")
    second = factories.TenderFactory(project=project, code=f"{first.code}R",
                                     published_by=world.purchaser)
    factories.TenderCriterionFactory(tender=second, price=True)
    return project, first, second


def test_schemas_are_the_vendored_official_ones():
    assert schema(RELEASE)["id"] == (
        "https://standard.open-contracting.org/schema/1__1__5/release-schema.json")
    assert "Apache License" in (SCHEMA_DIR / "LICENSE").read_text()
    assert "1.1.5" in (SCHEMA_DIR / "README.md").read_text()
    assert _codelist_problems({"tag": ["tender", "bidOpening"], "parties": [
        {"id": "1", "roles": ["buyer", "winner"]}]}) == ["releaseTag.csv: bidOpening",
                                                        "partyRole.csv: winner"]
    # The validator sees a wrong amount (a string, as the old export wrote it).
    bad = {"ocid": "x", "id": "1", "date": "2026-01-01T00:00:00+08:00", "tag": ["tender"],
           "initiationType": "tender", "tender": {"id": "t", "value": {"amount": "1.00"}}}
    assert any("tender/value/amount" in e for e in errors(bad, RELEASE))
    bad["tender"]["value"]["amount"] = 1.0
    bad["date"] = "2026-01-01"  # not a date-time: the format is checked offline
    assert any(e.startswith("date:") for e in errors(bad, RELEASE))


def test_every_release_record_and_package_of_a_full_world_validates(client, world):
    for stage in STAGES:
        rows_at_stage(world, 1, stage)
    (amended,) = rows_at_stage(world, 1, "published")
    tender = amended.current_tender
    factories.TenderAmendmentFactory(tender=tender, version=2, content="更正服务地点。",
                                     published_at=tender.published_at + dt.timedelta(days=1))
    factories.TenderAmendmentFactory(tender=tender, version=3, content="延长投标截止时间。",
                                     kind="extension",
                                     new_deadline=tender.bid_deadline + dt.timedelta(days=5),
                                     published_at=tender.published_at + dt.timedelta(days=2))
    Tender.objects.filter(pk=tender.pk).update(
        version=3, bid_deadline=tender.bid_deadline + dt.timedelta(days=5))
    _failed_then_retendered(world)

    year = world.envelope.fiscal_year
    releases = _get(client, "ocds-year-releases", year)
    records = _get(client, "ocds-year-records", year)
    _assert_package_valid(releases)
    _assert_package_valid(records)
    tags = {tag for r in releases["releases"] for tag in r["tag"]}
    assert tags == {"planning", "tender", "tenderAmendment", "tenderUpdate", "award", "contract",
                    "implementation"}
    assert len(records["records"]) == len(STAGES) + 1 + 2  # the re-tender is a second process
    amounts = list(_amounts(releases))
    assert amounts and all(isinstance(a, int | float) for a in amounts)
    assert releases["version"] == "1.1" and releases["publisher"]["name"]
    assert releases["publishedDate"] == max(r["date"] for r in releases["releases"])
    assert releases["uri"] == f"http://testserver/portal/ocds/{year}/releases.json"

    for pk in Tender.objects.exclude(status=Tender.Status.DRAFT).values_list("pk", flat=True):
        _assert_package_valid(_get(client, "tender-ocds", pk))
        _assert_package_valid(_get(client, "tender-ocds-record", pk))

    record = _get(client, "tender-ocds-record", tender.pk)["records"][0]["compiledRelease"]
    assert [a["description"] for a in record["tender"]["amendments"]] == [
        "更正服务地点。", "延长投标截止时间。"]
    deadline = timezone.localtime(tender.bid_deadline + dt.timedelta(days=5))
    assert record["tender"]["tenderPeriod"]["endDate"] == deadline.isoformat(timespec="seconds")


def test_closed_project_has_planning_payments_and_milestones(client, world):
    (project,) = rows_at_stage(world, 1, "closed")
    data = _get(client, "tender-ocds-record", project.current_tender.pk)
    compiled = data["records"][0]["compiledRelease"]
    assert compiled["ocid"] == f"ocds-sanshe-{project.code}"
    budget = compiled["planning"]["budget"]
    assert budget["amount"] == {"amount": float(project.budget_commitment.amount),
                                "currency": "CNY"}
    assert budget["projectID"] == project.code
    tender = compiled["tender"]
    assert tender["procurementMethod"] == "selective"
    assert tender["procurementMethodDetails"] == "竞争性磋商"
    assert isinstance(tender["awardCriteriaDetails"], str)
    assert tender["items"][0]["quantity"] == project.deliverables.get().quantity
    (contract,) = compiled["contracts"]
    assert contract["id"] == project.contract.code and contract["status"] == "active"
    transactions = contract["implementation"]["transactions"]
    paid = sorted(t.payment.amount for t in project.contract.tranches.all())
    assert sorted(Decimal(str(t["value"]["amount"])) for t in transactions) == paid
    assert [m["status"] for m in contract["milestones"]] == ["met", "met", "met"]
    assert contract["implementation"]["milestones"][0]["type"] == "reporting"
    roles = {p["name"]: p["roles"] for p in compiled["parties"]}
    assert set(roles[project.purchaser.name]) == {"buyer", "procuringEntity", "payer"}
    assert set(roles[world.suppliers[0].name]) == {"tenderer", "supplier", "payee"}


def test_sealed_tender_names_no_bidder_and_no_price(client, world):
    (project,) = rows_at_stage(world, 1, "published")
    tender = project.current_tender
    year = world.envelope.fiscal_year
    for name, args in [("tender-ocds", [tender.pk]), ("tender-ocds-record", [tender.pk]),
                       ("ocds-year-releases", [year]), ("ocds-year-records", [year])]:
        raw = client.get(reverse(f"portal:{name}", args=args)).content.decode()
        data = json.loads(raw)
        _assert_package_valid(data)
        for bidder in world.suppliers[:2]:
            assert bidder.name not in raw and bidder.credit_code not in raw
        assert "95000" not in raw and "98000" not in raw
        assert '"bids"' not in raw and "tenderer" not in raw and "extensions" not in data
    (release,) = [r for r in _get(client, "tender-ocds", tender.pk)["releases"]
                  if "tender" in r["tag"]]
    assert release["tender"]["status"] == "active"
    assert release["tender"]["value"] == {"amount": 100000.0, "currency": "CNY"}


def test_opening_release_lists_the_tenderers_and_prices(client, world):
    (project,) = rows_at_stage(world, 1, "opened")
    package = _get(client, "tender-ocds", project.current_tender.pk)
    (opening,) = [r for r in package["releases"] if r["tag"] == ["tenderUpdate"]]
    assert opening["date"] == timezone.localtime(
        project.current_tender.opened_at).isoformat(timespec="seconds")
    assert sorted(b["value"]["amount"] for b in opening["bids"]["details"]) == [95000.0, 98000.0]
    assert opening["tender"]["numberOfTenderers"] == 2
    assert {p["name"]: p["roles"] for p in opening["parties"]}[world.suppliers[1].name] == [
        "tenderer"]
    assert package["extensions"] == [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
        "v1.1.5/extension.json"]
    assert not any("award" in r["tag"] for r in package["releases"])


def test_after_the_award_the_winner_has_the_supplier_role(client, world):
    (project,) = rows_at_stage(world, 1, "awarded")
    package = _get(client, "tender-ocds-record", project.current_tender.pk)
    compiled = package["records"][0]["compiledRelease"]
    roles = {p["id"]: p["roles"] for p in compiled["parties"]}
    winner, rival = world.suppliers[0], world.suppliers[1]
    assert roles[winner.credit_code] == ["tenderer", "supplier"]
    assert roles[rival.credit_code] == ["tenderer"]
    (award,) = compiled["awards"]
    assert award["suppliers"] == [{"id": winner.credit_code, "name": winner.name}]
    assert award["value"] == {"amount": 95000.0, "currency": "CNY"}
    assert compiled["tender"]["status"] == "complete"
    assert "contracts" not in compiled  # the contract is not signed yet: not public


def test_a_retender_is_a_new_process_linked_to_the_failed_one(client, world):
    project, first, second = _failed_then_retendered(world)
    old = _get(client, "tender-ocds-record", first.pk)["records"][0]["compiledRelease"]
    new = _get(client, "tender-ocds-record", second.pk)["records"][0]["compiledRelease"]
    assert old["ocid"] == f"ocds-sanshe-{project.code}"
    assert new["ocid"] == f"ocds-sanshe-{project.code}-{second.code}"
    assert old["tender"]["status"] == "unsuccessful" and new["tender"]["id"] == second.code
    assert old["relatedProcesses"][0]["relationship"] == ["replacementProcess"]
    assert new["relatedProcesses"] == [{"id": old["ocid"], "relationship": ["unsuccessfulProcess"],
                                        "scheme": "ocid", "identifier": old["ocid"]}]
    assert new["planning"] == old["planning"]
    assert "tenderers" not in new["tender"]  # the new tender's bids are sealed


def test_the_data_is_chinese_for_an_english_visitor(client, world):
    (project,) = rows_at_stage(world, 1, "published")
    url = reverse("portal:tender-ocds", args=[project.current_tender.pk])
    package = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    release = package["releases"][-1]
    assert release["language"] == "zh"
    assert release["tender"]["procurementMethodDetails"] == "竞争性磋商"
    assert release["tender"]["awardCriteriaDetails"].startswith("综合评分法")


def test_ocid_prefix_and_publisher_come_from_the_settings(client, world, settings):
    settings.OCDS = {**settings.OCDS, "OCID_PREFIX": "ocds-abc123",
                     "PUBLISHER_NAME": "田家庵区民政局", "PUBLISHER_URI": "https://mz.example.cn/"}
    (project,) = rows_at_stage(world, 1, "published")
    package = _get(client, "tender-ocds", project.current_tender.pk)
    assert {r["ocid"] for r in package["releases"]} == {f"ocds-abc123-{project.code}"}
    assert package["publisher"] == {"name": "田家庵区民政局", "uri": "https://mz.example.cn/"}
    _assert_package_valid(package)


def test_non_public_procurements_are_404(client, world):
    (draft,) = rows_at_stage(world, 1, "published")
    Tender.objects.filter(pk=draft.current_tender.pk).update(status=Tender.Status.DRAFT,
                                                             published_at=None)
    assert client.get(reverse("portal:tender-ocds", args=[draft.current_tender.pk])
                      ).status_code == 404
    assert client.get(reverse("portal:tender-ocds-record", args=[draft.current_tender.pk])
                      ).status_code == 404
    for year in (1999, 2025, 99999999999999999999):
        assert client.get(f"/portal/ocds/{year}/releases.json").status_code == 404
        assert client.get(f"/portal/ocds/{year}/records.json").status_code == 404
    # A project still in approval is not in the bulk file; its draft tender neither.
    rows_at_stage(world, 1, "submitted")
    year = world.envelope.fiscal_year
    data = _get(client, "ocds-year-records", year)
    assert [r["ocid"] for r in data["records"]] == [f"ocds-sanshe-{draft.code}"]
    assert "tender" not in data["records"][0]["compiledRelease"]


def test_portal_pages_link_the_yearly_downloads(client, world):
    (project,) = rows_at_stage(world, 1, "opened")
    year = world.envelope.fiscal_year
    releases = reverse("portal:ocds-year-releases", args=[year])
    records = reverse("portal:ocds-year-records", args=[year])
    html = client.get(reverse("portal:tender-list")).content.decode()
    assert releases in html and records in html
    html = client.get(reverse("portal:tender-detail", args=[project.current_tender.pk])
                      ).content.decode()
    assert releases in html and records in html
    assert reverse("portal:tender-ocds-record", args=[project.current_tender.pk]) in html


@pytest.mark.parametrize("rows", [2, 8])
def test_bulk_download_query_count_is_bounded(client, world, rows,
                                              django_assert_max_num_queries):
    rows_at_stage(world, rows // 2, "closed")
    rows_at_stage(world, rows - rows // 2, "opened")
    year = world.envelope.fiscal_year
    for name in ("ocds-year-releases", "ocds-year-records"):
        with django_assert_max_num_queries(8):
            data = _get(client, name, year)
        assert len(data.get("records") or {r["ocid"] for r in data["releases"]}) == rows


def test_compiled_release_merges_latest_value_and_arrays_by_id():
    releases = [
        {"ocid": "o", "id": "2", "date": "2026-01-02T00:00:00+08:00", "tag": ["award"],
         "parties": [{"id": "a", "roles": ["buyer", "payer"]}],
         "awards": [{"id": "w", "status": "active"}], "tender": {"status": "complete"}},
        {"ocid": "o", "id": "1", "date": "2026-01-01T00:00:00+08:00", "tag": ["tender"],
         "parties": [{"id": "a", "name": "A", "roles": ["buyer"]}, {"id": "b", "roles": ["x"]}],
         "tender": {"id": "t", "status": "active", "title": "T", "description": "gone"}},
        {"ocid": "o", "id": "3", "date": "2026-01-03T00:00:00+08:00", "tag": ["tenderUpdate"],
         "tender": {"description": None}},
    ]
    compiled = compile_release(releases)
    assert compiled["id"] == "o-compiled-2026-01-03T00:00:00+08:00"
    assert compiled["tag"] == ["compiled"] and compiled["date"] == releases[2]["date"]
    assert compiled["tender"] == {"id": "t", "status": "complete", "title": "T"}
    assert compiled["parties"] == [{"id": "a", "name": "A", "roles": ["buyer", "payer"]},
                                   {"id": "b", "roles": ["x"]}]
    assert compiled["awards"] == [{"id": "w", "status": "active"}]
    assert releases[1]["parties"][0]["roles"] == ["buyer"]  # the releases are not modified
