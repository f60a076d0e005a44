"""The expert's scoring page (issue 8 item 4): each bid's proposal, files, flags and track record
beside the criteria with their descriptions, bounded scores with Chinese errors naming bidder and
criterion, running totals, and a review of totals and implied ranking before anything is stored.
"""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from accounts.models import Organization
from accounts.roles import Role
from core.models import AuditEntry
from demo.cast import cast_build
from demo.stages import build_project_at_stage
from evaluation.models import CommitteeMember, ScoreItem, ScoreSheet
from evaluation.rules import price_scores, q2
from procurement.models import Bid
from procurement.services.final_quotes import final_prices
from tests.factories import BidFactory, BidFlagFactory, OrganizationFactory, StoredFileFactory
from workflows.flows import ServiceProjectFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoring():
    """A demo project whose committee is scoring; the first bid has a file and an opening flag."""
    cast = cast_build()
    build = build_project_at_stage("committee_formed", cast=cast)
    process = Process.objects.get(serviceprojectprocess__project=build.project)
    tasks = list(Task.objects.filter(process=process, flow_task=ServiceProjectFlow.score,
                                     status=STATUS.ASSIGNED).order_by("pk"))
    tender = build.tender
    bids = list(Bid.objects.filter(tender=tender).select_related("organization").order_by("pk"))
    stored = StoredFileFactory(owner=bids[0], original_name="服务方案全文.pdf")
    flag = BidFlagFactory(tender=tender, reason="两家投标机构的联系电话相同")
    flag.bids.set(bids[:2])
    criteria = list(tender.criteria.order_by("order", "pk"))
    return SimpleNamespace(cast=cast, build=build, tender=tender, tasks=tasks, bids=bids,
                           file=stored, flag=flag, criteria=criteria,
                           scored=[c for c in criteria if c.kind != "price"],
                           url=reverse("workflows:task", args=[tasks[0].pk]),
                           expert=tasks[0].owner)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _data(s, points=None) -> dict:
    """Scores for every bid × typed criterion: the first bid 90 % of each maximum, then lower."""
    data = {}
    for i, bid in enumerate(s.bids):
        for c in s.scored:
            share = Decimal("0.9") - Decimal("0.1") * i
            data[f"score_{bid.pk}_{c.pk}"] = str((points or {}).get((bid.pk, c.pk),
                                                                    q2(c.max_score * share)))
    return data


def _nothing_stored(s):
    assert not ScoreItem.objects.filter(sheet__bid__tender=s.tender).exists()
    assert not ScoreSheet.objects.filter(bid__tender=s.tender).exclude(status="draft").exists()
    assert not AuditEntry.objects.filter(action="scores.submit").exists()


def test_page_shows_each_bid_with_its_files_proposal_flags_record_and_the_criteria(scoring):
    s = scoring
    response = _client(s.expert).get(s.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "evaluation/scoring.js" in html and "evaluation/scoring.css" in html
    for bid in s.bids:
        assert bid.organization.name in html
        assert bid.proposal in html
        assert reverse("procurement:bid-detail", args=[bid.pk]) in html
        for c in s.scored:
            assert f'name="score_{bid.pk}_{c.pk}"' in html
    assert reverse("core:file-download", args=[s.file.pk]) in html and "服务方案全文.pdf" in html
    assert "两家投标机构的联系电话相同" in html
    assert reverse("procurement:bid-flag-decide", args=[s.flag.pk]) in html
    assert html.count("平台上无履约记录") + html.count("合同") >= len(s.bids)
    for c in s.criteria:
        assert c.description and (c.kind == "price" or c.description in html)
    assert "低价优先法" in html  # the price score is computed, not typed
    # Inputs are capped at each criterion's maximum in the page too.
    first = s.scored[0]
    assert f'max="{first.max_score}"' in html and 'min="0"' in html and 'step="0.01"' in html


def test_price_scores_show_and_count_in_the_running_total(scoring):
    s = scoring
    bids = s.bids
    price = next(c for c in s.criteria if c.kind == "price")
    expected = price_scores(final_prices(s.tender, bids), price.max_score)
    html = _client(s.expert).get(s.url).content.decode()
    for bid in bids:
        assert f'data-total-for="{bid.pk}" data-price-score="{expected[bid.pk]}">{expected[bid.pk]}<' in html


def test_others_get_404_for_the_page(scoring):
    s = scoring
    seated = {m.expert_id for m in CommitteeMember.objects.filter(committee__tender=s.tender)}
    off_committee = next(e for e in s.cast.by_role(Role.EXPERT) if e.pk not in seated)
    other_member = s.tasks[1].owner
    bidder = s.cast.one(Role.SOCIAL_ORG, s.bids[0].organization)
    for user in (other_member, off_committee, s.build.purchaser_staff, bidder):
        assert _client(user).get(s.url).status_code == 404, user
        assert _client(user).post(s.url, {**_data(s), "confirmed": "1"}).status_code == 404
    _nothing_stored(s)


def test_committee_member_downloads_bid_files_and_an_expert_off_the_committee_cannot(scoring):
    s = scoring
    url = reverse("core:file-download", args=[s.file.pk])
    for task in s.tasks:
        response = _client(task.owner).get(url)
        assert response.status_code == 200
        # Read the stream rather than close() it: closing fires request_finished, which closes
        # the test's PostgreSQL connection in the middle of its transaction.
        assert b"".join(response.streaming_content)
    seated = {m.expert_id for m in CommitteeMember.objects.filter(committee__tender=s.tender)}
    off_committee = next(e for e in s.cast.by_role(Role.EXPERT) if e.pk not in seated)
    rival = s.cast.one(Role.SOCIAL_ORG, s.bids[1].organization)
    for user in (off_committee, rival, s.build.resident):
        assert _client(user).get(url).status_code == 404
        assert _client(user).get(reverse("procurement:bid-detail",
                                         args=[s.bids[0].pk])).status_code == 404


@pytest.mark.parametrize(("value", "message"), [
    ("45", "不能超过该项分值"),
    ("-1", "不能为负数"),
    ("abc", "不是有效数字"),
    ("NaN", "不是有效数字"),
    ("", "请填写"),
    ("12.345", "最多保留两位小数"),
])
def test_bad_scores_name_bidder_and_criterion_and_change_nothing(scoring, value, message):
    s = scoring
    bid, criterion = s.bids[1], s.scored[0]
    data = _data(s, {(bid.pk, criterion.pk): value})
    for extra in ({}, {"confirmed": "1"}):
        response = _client(s.expert).post(s.url, {**data, **extra})
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert f"“{bid.organization.name}”的“{criterion.name}”" in html
        assert "task-confirm" not in html  # back on the scoring page, not the review
    _nothing_stored(s)


def test_review_shows_totals_and_ranking_and_nothing_is_stored_until_confirmed(scoring):
    s = scoring
    data = _data(s)
    client = _client(s.expert)
    response = client.post(s.url, data)
    html = response.content.decode()
    assert response.status_code == 200 and "task-confirm" in html and "评分核对" in html
    _nothing_stored(s)
    price = next(c for c in s.criteria if c.kind == "price")
    prices = price_scores(final_prices(s.tender, s.bids), price.max_score)
    totals = {bid.pk: q2(sum((Decimal(data[f"score_{bid.pk}_{c.pk}"]) for c in s.scored),
                             prices[bid.pk])) for bid in s.bids}
    rows = html.split('class="score-review-row"')[1:]
    assert len(rows) == len(s.bids)
    ranked = sorted(s.bids, key=lambda b: -totals[b.pk])
    for rank, (row, bid) in enumerate(zip(rows, ranked, strict=True), start=1):
        assert f'data-bid="{bid.pk}"' in row and bid.organization.name in row
        assert f'<td class="num">{rank}</td>' in row
        assert f'<strong class="score-review-total">{totals[bid.pk]}</strong>' in row
    # "返回修改" gives the scoring page back, filled in; still nothing stored.
    edit = client.post(s.url, {**data, "edit": "1"}).content.decode()
    assert "score-form" in edit and f'value="{data[next(iter(data))]}"' in edit
    _nothing_stored(s)
    done = client.post(s.url, {**data, "confirmed": "1"})
    assert done.status_code == 302
    sheets = {sheet.bid_id: sheet for sheet in ScoreSheet.objects.filter(member__expert=s.expert)}
    assert {pk: sheet.total for pk, sheet in sheets.items()} == totals
    assert all(sheet.status == "submitted" for sheet in sheets.values())


def test_rerender_after_an_error_keeps_the_running_totals_of_valid_scores(scoring):
    s = scoring
    bid, criterion = s.bids[0], s.scored[0]
    data = _data(s, {(bid.pk, criterion.pk): "999"})
    html = _client(s.expert).post(s.url, data).content.decode()
    price = next(c for c in s.criteria if c.kind == "price")
    prices = price_scores(final_prices(s.tender, s.bids), price.max_score)
    partial = q2(sum((Decimal(data[f"score_{bid.pk}_{c.pk}"]) for c in s.scored[1:]),
                     prices[bid.pk]))
    assert f'data-price-score="{prices[bid.pk]}">{partial}</output>' in html
    assert f'data-incomplete-for="{bid.pk}">（尚未填完）' in html  # shown, not hidden


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_does_not_grow_with_the_bids(scoring, django_assert_max_num_queries):
    s = scoring
    client = _client(s.expert)
    client.get(s.url)  # warm the content-type and permission caches
    three = _page_queries(client, s.url)
    # Three more evaluable bids, each with files and a flag (rows, not a history).
    for n in range(3):
        org = OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG, name=f"增补投标机构{n}")
        bid = BidFactory(tender=s.tender, organization=org, qualified=True,
                         price=Decimal("150000.00") + n, proposal=f"增补方案{n}")
        StoredFileFactory(owner=bid)
        StoredFileFactory(owner=bid)
        BidFlagFactory(tender=s.tender).bids.set([bid, s.bids[0]])
    html = client.get(s.url).content.decode()
    assert "增补方案2" in html
    assert _page_queries(client, s.url) == three
    with django_assert_max_num_queries(three):
        client.get(s.url)


def test_sealed_final_quotes_leave_the_price_score_to_the_platform(scoring):
    """While a final-quote round (最后报价) is sealed the page computes no price score."""
    from tests.factories import FinalQuoteRoundFactory

    s = scoring
    FinalQuoteRoundFactory(tender=s.tender, opened_by=s.build.purchaser_staff)
    html = _client(s.expert).get(s.url).content.decode()
    assert "最后报价尚未揭晓" in html
    for bid in s.bids:
        assert f'data-total-for="{bid.pk}" data-price-score="0">0.00<' in html
