"""Each role's own objects and actions on /api/v1/, mirroring the page permission tests: the
right role succeeds through the service; a wrong role, another organization or anonymous is
refused (a forbidden object answers 404, as on the pages) and nothing changes."""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from core.models import AuditEntry, StoredFile
from delivery.models import ServiceRecord
from evaluation.models import ScoreSheet
from evaluation.services.committees import committee_form
from procurement.models import Bid, Need, NeedSupport
from tests.api.conftest import START
from tests.factories import NeedFactory, user_with_role
from tests.worlds import (
    bid_files,
    contract_signed,
    equal_scores,
    social_worker_add,
    tender_opened,
    tender_published,
)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _need_payload(world, **kw):
    return {"community": world.community_org.pk, "title": "楼道照明需求", "category": "elderly",
            "target_group": "独居老人", "description": "楼道灯坏了，老人夜间出行不便。", **kw}


# Needs ------------------------------------------------------------------------------------------

def test_a_resident_submits_a_need_with_photos(api, world):
    url = reverse("api-v1:needs")
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = api.post(world.resident, url, {**_need_payload(world), "photos": [photo]},
                        json=False)
    assert response.status_code == 201, response.content
    need = Need.objects.get(pk=response.json()["id"])
    assert need.submitted_by == world.resident and need.community == world.community_org
    assert StoredFile.objects.filter(content_type=ContentType.objects.get_for_model(Need),
                                     object_id=need.pk).count() == 1
    assert AuditEntry.objects.filter(action="need.submit").count() == 1
    assert need.pk in {row["id"] for row in api.get(world.community, url).json()["results"]}


def test_need_submit_refusals(api, client, world):
    url = reverse("api-v1:needs")
    # A resident of another district, a supplier's staff: the community's rule refuses (404).
    for user in (world.outsiders["resident"], world.supplier_staff[0]):
        assert api.post(user, url, _need_payload(world)).status_code == 404
    assert client.post(url, _need_payload(world), content_type="application/json"
                       ).status_code == 401
    bad = api.post(world.resident, url, _need_payload(world, category="nonsense", title=""))
    assert bad.status_code == 400 and set(bad.json()) == {"category", "title"}
    assert api.post(world.resident, url, _need_payload(world, community=999999)
                    ).status_code == 400
    assert not Need.objects.exists()


def test_need_support_as_on_the_page(api, world):
    need = NeedFactory(community=world.community_org, submitted_by=world.community)
    url = reverse("api-v1:need-support", args=[need.pk])
    response = api.post(world.resident, url)
    assert response.status_code == 201 and response.json()["support_count"] == 1
    again = api.post(world.resident, url)
    assert again.status_code == 409
    assert again.json() == {"detail": "您已经支持过该需求。", "code": "duplicate"}
    # Community staff see the need, may not support it: the page's reason, 403.
    staff = api.post(world.community, url)
    assert staff.status_code == 403 and staff.json()["detail"] == "只有居民可以支持需求。"
    # A resident elsewhere does not see it: 404, as the page.
    assert api.post(world.outsiders["resident"], url).status_code == 404
    assert api.get(world.outsiders["resident"],
                   reverse("api-v1:need", args=[need.pk])).status_code == 404
    assert NeedSupport.objects.filter(need=need).count() == 1


# Bids -------------------------------------------------------------------------------------------

def _bid_payload(tender, organization):
    kinds = list(tender.required_documents) or ["其他材料"]
    files = [bid_files(f"{kind}.pdf")[0] for kind in kinds]
    return {"organization": organization.pk, "price": "280000.00", "proposal": "服务方案",
            "files": files, "kinds": kinds if tender.required_documents else []}


def test_a_bidder_submits_with_files_reads_receipts_and_withdraws(api, world):
    tender = tender_published(world)
    supplier, staff = world.suppliers[0], world.supplier_staff[0]
    submit = api.post(staff, reverse("api-v1:tender-bids", args=[tender.pk]),
                      _bid_payload(tender, supplier), json=False)
    assert submit.status_code == 201, submit.content
    bid = Bid.objects.get(pk=submit.json()["id"])
    assert bid.documents.count() >= 1
    mine = api.get(staff, reverse("api-v1:bids")).json()["results"]
    assert [row["id"] for row in mine] == [bid.pk]
    receipts = api.get(staff, reverse("api-v1:bid-receipts", args=[bid.pk]))
    assert receipts.status_code == 200 and len(receipts.json()["results"]) == 1
    # Sealed: the rival, the purchaser and the platform admin see nothing of it.
    for other in (world.supplier_staff[1], world.purchaser, world.admin):
        assert api.get(other, reverse("api-v1:bids")).json()["results"] == []
        assert api.get(other, reverse("api-v1:bid-receipts", args=[bid.pk])).status_code == 404
        assert api.post(other, reverse("api-v1:bid-withdraw", args=[bid.pk])).status_code == 404
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED
    withdrawn = api.post(staff, reverse("api-v1:bid-withdraw", args=[bid.pk]))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = api.post(staff, reverse("api-v1:bid-withdraw", args=[bid.pk]))
    assert again.status_code == 409 and again.json()["code"] == "state"


def test_bid_submit_refusals(api, world):
    tender = tender_published(world)
    url = reverse("api-v1:tender-bids", args=[tender.pk])
    # Another supplier's staff for this organization; a purchaser: the rule refuses (404).
    for user in (world.supplier_staff[1], world.purchaser, world.outsiders["social_org"]):
        assert api.post(user, url, _bid_payload(tender, world.suppliers[0]),
                        json=False).status_code == 404
    bad = api.post(world.supplier_staff[0], url, {"organization": world.suppliers[0].pk,
                                                  "price": 280000, "proposal": "x"})
    assert bad.status_code == 400 and "price" in bad.json()
    assert not Bid.objects.exists()


def test_a_bid_by_intake_is_answered_202_and_followed_by_its_submitter_only(api, world):
    from procurement.models import BidIntake
    from procurement.services.intake import bid_intake_process

    tender = tender_published(world)
    url = reverse("api-v1:tender-bids", args=[tender.pk])
    staff = world.supplier_staff[0]
    for user in (world.supplier_staff[1], world.purchaser, world.outsiders["social_org"]):
        refused = api.post(user, url, _bid_payload(tender, world.suppliers[0]), json=False,
                           HTTP_PREFER="respond-async")
        assert refused.status_code == 404
    assert not BidIntake.objects.exists()
    answer = api.post(staff, url, _bid_payload(tender, world.suppliers[0]), json=False,
                      HTTP_PREFER="respond-async")
    assert answer.status_code == 202, answer.content
    intake_url = reverse("api-v1:bid-intake", args=[answer.json()["id"]])
    assert answer["Location"].endswith(intake_url)
    assert api.get(staff, intake_url).json()["status"] == "pending"
    for other in (world.supplier_staff[1], world.purchaser, world.admin):
        assert api.get(other, intake_url).status_code == 404
    bid_intake_process(answer.json()["id"])
    followed = api.get(staff, intake_url).json()
    assert followed["status"] == "accepted" and followed["receipt"]
    assert Bid.objects.get().pk == followed["bid"]
    api.client.logout()
    assert api.client.get(intake_url).status_code == 401


# Scores -----------------------------------------------------------------------------------------

def test_an_expert_scores_through_the_seat(api, world):
    tender = tender_opened(world)
    committee = committee_form(tender=tender, actor=world.purchaser, seed="api")
    member = committee.members.select_related("expert").first()
    seated = set(committee.members.values_list("expert_id", flat=True))
    outsider_expert = next((e for e in world.experts if e.pk not in seated), None) or \
        user_with_role(Role.EXPERT)  # an expert without a seat on this committee
    seats = api.get(member.expert, reverse("api-v1:seats")).json()["results"]
    assert [row["id"] for row in seats] == [member.pk]
    url = reverse("api-v1:seat-scores", args=[member.pk])
    sheet = api.get(member.expert, url).json()
    assert {row["bid"] for row in sheet["sheets"]} == set(
        tender.bids.filter(status="qualified").values_list("id", flat=True))
    scores = {str(bid): {str(c): str(points) for c, points in row.items()}
              for bid, row in equal_scores(tender).items()}
    for other in (outsider_expert, world.purchaser, world.supplier_staff[0]):
        assert api.get(other, url).status_code == 404
        assert api.post(other, url, {"scores": scores}).status_code == 404
    assert not ScoreSheet.objects.filter(member=member, status="submitted").exists()
    assert api.post(member.expert, url, {"scores": {"x": {"1": "a"}}}).status_code == 400
    done = api.post(member.expert, url, {"scores": scores})
    assert done.status_code == 201, done.content
    assert ScoreSheet.objects.filter(member=member, status="submitted").count() == len(scores)
    again = api.post(member.expert, url, {"scores": scores})
    assert again.status_code == 409 and again.json()["code"] == "state"


# Service records and payments -------------------------------------------------------------------

def _contract(world):
    prices = (Decimal("270000.00"), Decimal("280000.00"), Decimal("290000.00"))
    tender = tender_opened(world, prices=prices)  # suppliers[0] is the cheapest: it wins
    return contract_signed(world, tender=tender, start=START.date() - dt.timedelta(days=30))


def test_a_social_worker_records_a_service_with_evidence(api, world):
    contract = _contract(world)
    assert contract.supplier == world.suppliers[0]
    deliverable = contract.project.deliverables.first()
    url = reverse("api-v1:contract-service-records", args=[contract.pk])
    payload = {"deliverable": deliverable.pk, "served_on": str(START.date() - dt.timedelta(days=1)),
               "site": "舜耕社区活动室", "participants": 12, "description": "入户探访独居老人"}
    rival_worker = social_worker_add(world, supplier_index=1, code="W02")
    for other in (world.supplier_staff[1], world.purchaser, rival_worker, world.community):
        assert api.post(other, url, payload).status_code == 404
    evidence = SimpleUploadedFile("签到表.png", PNG, content_type="image/png")
    created = api.post(world.social_worker, url, {**payload, "files": [evidence]}, json=False)
    assert created.status_code == 201, created.content
    record = ServiceRecord.objects.get(pk=created.json()["id"])
    assert record.social_worker == world.social_worker
    assert StoredFile.objects.filter(content_type=ContentType.objects.get_for_model(ServiceRecord),
                                     object_id=record.pk).count() == 1
    future = api.post(world.social_worker, url, {**payload, "served_on": "2030-01-01"})
    assert future.status_code == 400 and future.json()["code"] == "served_on"
    assert api.post(world.social_worker, url, {**payload, "served_on": "yesterday"}
                    ).status_code == 400
    listed = {row["id"] for row in api.get(world.purchaser,
                                           reverse("api-v1:service-records")).json()["results"]}
    assert listed == {record.pk}
    assert api.get(world.outsiders["purchaser"],
                   reverse("api-v1:service-records")).json()["results"] == []
    assert ServiceRecord.objects.count() == 1


def test_payments_are_read_by_the_contracts_parties_only(api, world):
    contract = _contract(world)
    tranches = set(contract.tranches.values_list("id", flat=True))
    url = reverse("api-v1:payments")
    for user in (world.supplier_staff[0], world.purchaser, world.finance):
        assert {row["id"] for row in api.get(user, url).json()["results"]} == tranches, user
    for user in (world.supplier_staff[1], world.outsiders["finance"], world.resident,
                 world.experts[0]):
        assert api.get(user, url).json()["results"] == [], user
    assert api.get(world.purchaser, url, data={"status": "nonsense"}).status_code == 400
    assert api.post(world.finance, url).status_code == 405


# The pre-v1 endpoints mounted under v1, and tokens ----------------------------------------------

def test_mounted_endpoints_take_tokens_with_the_same_rules(api, client, world):
    organizations = reverse("api-v1:organizations")
    assert api.get(world.admin, organizations).status_code == 200
    refused = api.get(world.purchaser, organizations)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.get(organizations).status_code == 401
    tender = tender_published(world)
    record = api.get(world.purchaser, reverse("api-v1:tender-opening-record", args=[tender.pk]))
    assert record.status_code == 404
    assert record.json() == {"detail": "尚未开标，开标记录未公布。", "code": "not_found"}
    listed = api.get(world.supplier_staff[0], reverse("api-v1:tenders")).json()["results"]
    assert [row["id"] for row in listed] == [tender.pk]
    # The pre-v1 URL still answers an anonymous client 403 and a token holder 200.
    assert client.get(reverse("procurement-api:tender-list")).status_code == 403
    assert api.get(world.purchaser, reverse("procurement-api:tender-list")).status_code == 200


def test_a_token_is_revoked_only_by_its_issuers_and_its_user(api, world):
    from tests.api_tokens import issue_test_token

    token, _ = issue_test_token(world.finance)
    url = reverse("api-v1:token-revoke", args=[token.pk])
    for other in (world.cashier, world.purchaser, world.outsiders["finance"]):
        assert api.post(other, url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api.post(world.admin, url).status_code == 200
    again = api.post(world.admin, url)
    assert again.status_code == 409 and again.json()["code"] == "state"
