"""The evaluation report (评标报告, 87号令 44): made when scoring ends, kept with its SHA-256,
re-made after a correction or a tie draw, read by the purchaser, the committee and the supervisor
only, its ranking summarized on the portal after the award."""

import hashlib
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.models import Document
from evaluation.bid_report import EVALUATION_REPORT_KIND, evaluation_report_context
from evaluation.models import ScoreCorrection, ScoreItem
from evaluation.services.committees import committee_form
from evaluation.services.scoring import score_correct, scores_submit
from evaluation.services.ties import tie_draw
from procurement.models import Tender
from procurement.services.awards import award_confirm
from tests.worlds import EVALUATION_WORLD, tender_evaluated, tender_opened, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None}}}
    settings.MEDIA_ROOT = tmp_path / "files"


def _report(tender) -> Document | None:
    from django.contrib.contenttypes.models import ContentType
    return Document.objects.filter(content_type=ContentType.objects.get_for_model(Tender),
                                   object_id=tender.pk, kind=EVALUATION_REPORT_KIND).first()


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _score_unequally(tender):
    """Every expert gives the bids 40/30, 35/25, 30/20 in price order."""
    kinds = {c.kind: c.pk for c in tender.criteria.all()}
    bids = sorted(tender.bids.filter(status="qualified"), key=lambda b: (b.price, b.pk))
    points = [(D("40"), D("30")), (D("35"), D("25")), (D("30"), D("20"))]
    for member in tender.committee.members.all():
        scores_submit(member=member, actor=member.expert, scores={
            b.pk: {kinds["technical"]: t, kinds["commercial"]: c} for b, (t, c) in zip(bids, points, strict=True)})
    tender.refresh_from_db()
    return bids


def test_the_report_is_made_when_the_last_expert_submits_and_kept_with_its_hash(
        world, storage, django_capture_on_commit_callbacks):
    tender = tender_opened(world)
    committee = committee_form(tender=tender, actor=world.purchaser, seed="report")
    members = list(committee.members.all())
    kinds = {c.kind: c.pk for c in tender.criteria.all()}
    scores = {b.pk: {kinds["technical"]: D("40"), kinds["commercial"]: D("30")}
              for b in tender.bids.filter(status="qualified")}
    for member in members[:-1]:
        scores_submit(member=member, actor=member.expert, scores=scores)
    assert _report(tender) is None  # not before the committee is done
    with django_capture_on_commit_callbacks(execute=True):
        scores_submit(member=members[-1], actor=members[-1].expert, scores=scores)
    doc = _report(tender)
    assert doc is not None and doc.is_current
    with doc.file.open("rb") as fh:
        data = fh.read()
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    text = _text(data)
    for needle in ("评标报告", tender.code, str(members[0].expert), "签字", "综合得分",
                   "各投标人综合得分", "各评审专家对各投标人的评分合计"):
        assert needle in text, needle
    from tests.evaluation.test_documents import _embedded_cjk_fonts, _page_svg_objects
    reader = PdfReader(io.BytesIO(data))
    assert _page_svg_objects(reader) >= 2  # the two charts, drawn
    assert _embedded_cjk_fonts(reader)


def test_the_context_names_every_score_the_ranking_and_the_members(
        world, django_assert_num_queries):
    tender = tender_opened(world)
    committee_form(tender=tender, actor=world.purchaser, seed="report")
    bids = _score_unequally(tender)
    with django_assert_num_queries(8):
        context = evaluation_report_context(tender)
    assert [b["bidder"] for b in context["bids"]] == [b.organization.name for b in bids]
    assert [b["rank"] for b in context["bids"]] == [1, 2, 3]
    assert context["winner"] == bids[0].organization.name
    members = tender.committee.members.count()
    assert len(context["sheets"]) == len(context["members"]) == members
    assert sum(m["chair"] for m in context["members"]) == 1 and context["members"][0]["chair"]
    names = [c["name"] for c in context["criteria"]]
    row = context["sheets"][0]["rows"][0]  # the first expert's sheet of the cheapest bid
    technical = next(i for i, c in enumerate(tender.criteria.order_by("order", "id"))
                     if c.kind == "technical")
    assert row["scores"][technical] == "40.00" and len(row["scores"]) == len(names)
    bids[0].refresh_from_db()
    assert context["bids"][0]["final_score"] == f"{bids[0].final_score:.2f}"
    # The charts hold the same numbers: every expert gave 70, 60, 50 in price order (+ price).
    final = context["charts"]["final"]
    assert final["labels"] == [b.organization.name for b in bids]
    assert [str(v) for v in final["series"][0]["values"]] == [
        b["final_score"] for b in context["bids"]]
    experts = context["charts"]["experts"]
    assert experts["labels"] == [m["name"] for m in context["members"]]
    assert [s["name"] for s in experts["series"]] == [b.organization.name for b in bids]
    assert {str(v) for v in experts["series"][0]["values"]} == {context["sheets"][0]["rows"][0]["total"]}


def test_the_query_count_does_not_grow_with_bids(world, django_assert_num_queries):
    """Eight queries for three bids (above) and for five."""
    wide = world_build(**{**EVALUATION_WORLD, "suppliers": 5}, suffix="乙")
    tender = tender_evaluated(wide, tender=tender_opened(
        wide, prices=(D("250000"), D("260000"), D("270000"), D("280000"), D("290000"))))
    with django_assert_num_queries(8):
        context = evaluation_report_context(tender)
    assert len(context["bids"]) == 5


def test_a_correction_and_a_tie_draw_remake_the_report(world, storage, django_capture_on_commit_callbacks):
    tender = tender_opened(world, prices=(D("270000.00"), D("270000.00"), D("290000.00")),
                           tie_rule=Tender.TieRule.DRAW)
    with django_capture_on_commit_callbacks(execute=True):
        tender = tender_evaluated(world, tender=tender)
    first = _report(tender).sha256
    member = tender.committee.members.order_by("id").first()
    item = ScoreItem.objects.filter(sheet__member=member, criterion__kind="technical").order_by(
        "sheet__bid__price", "sheet__bid_id").last()
    with django_capture_on_commit_callbacks(execute=True):
        score_correct(item=item, actor=member.expert, new_score=D("39"),
                      reason=ScoreCorrection.Reason.ARITHMETIC, explanation="汇总有误")
    doc = _report(tender)
    assert doc.sha256 != first
    assert doc.context["corrections"][0]["explanation"] == "汇总有误"
    assert doc.context["corrections"][0]["new"] == "39.00"
    with doc.file.open("rb") as fh:
        assert "评分修改记录" in _text(fh.read())
    tender.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        draw = tie_draw(tender=tender, actor=world.purchaser, seed="report-seed")
    doc = _report(tender)
    context = doc.context
    assert context["tie_draw"]["seed"] == "report-seed"
    assert len(context["tie_draw"]["groups"]) == len(draw.groups)


def test_who_reads_the_report(client, world, storage):
    tender = tender_evaluated(world)
    url = reverse("evaluation:evaluation-report-pdf", args=[tender.pk])
    expert = tender.committee.members.first().expert
    for user in (world.purchaser, expert):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content if response.streaming else [response.content])[:4] == b"%PDF"
    for user in (world.supplier_staff[0], world.community, world.finance, world.resident,
                 world.outsiders["purchaser"], world.experts[-1]):
        if tender.committee.members.filter(expert=user).exists():
            continue
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code in (302, 404)


def test_no_report_before_scoring_ends(client, world):
    tender = tender_opened(world)
    committee_form(tender=tender, actor=world.purchaser, seed="report")
    client.force_login(world.purchaser)
    assert client.get(reverse("evaluation:evaluation-report-pdf", args=[tender.pk])).status_code == 404
    page = client.get(reverse("procurement:tender-detail", args=[tender.pk]))
    assert b"evaluation-report" not in page.content


def test_the_purchasers_tender_page_links_the_report(client, world):
    tender = tender_evaluated(world)
    client.force_login(world.purchaser)
    page = client.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
    assert reverse("evaluation:evaluation-report-pdf", args=[tender.pk]) in page


def test_the_portal_summarizes_the_evaluation_after_the_award(client, world):
    tender = tender_evaluated(world)
    url = reverse("portal:tender-detail", args=[tender.pk])
    experts = [str(m.expert) for m in tender.committee.members.all()]
    assert "评审结果" not in client.get(url).content.decode()  # not before the award
    award_confirm(tender=tender, actor=world.purchaser)
    page = client.get(url).content.decode()
    assert "评审结果" in page
    for bid in tender.bids.filter(rank__isnull=False):
        assert bid.organization.name in page and f"{bid.final_score:.2f}" in page
    for name in experts:  # 87号令 69: the committee's names are published with the result
        assert name in page
