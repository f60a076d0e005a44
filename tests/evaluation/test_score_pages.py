"""The committee's scores after submission and their correction on a page (87号令 64)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from evaluation.models import CommitteeMember, ScoreCorrection, ScoreItem
from tests.worlds import tender_evaluated

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def evaluated(world):
    tender = tender_evaluated(world)
    members = list(CommitteeMember.objects.filter(committee__tender=tender)
                   .select_related("expert").order_by("pk"))
    chair = next(m for m in members if m.is_chair)
    member = next(m for m in members if not m.is_chair)
    return tender, chair, member


def _item(member, bid=None):
    items = ScoreItem.objects.filter(sheet__member=member).exclude(criterion__kind="price")
    if bid is not None:
        items = items.filter(sheet__bid=bid)
    return items.select_related("criterion", "sheet").order_by("pk").first()


def test_member_sees_own_sheets_chair_sees_all(world, evaluated):
    tender, chair, member = evaluated
    url = reverse("evaluation:score-sheets", args=[tender.pk])
    listing = _client(member.expert).get(reverse("evaluation:score-list")).content.decode()
    assert tender.code in listing and url in listing
    own = _client(member.expert).get(url).content.decode()
    assert member.expert.display_name not in own.split('class="office-h1"', 1)[1].split("</h2>")[0]
    assert chair.expert.display_name not in own  # a member does not see the chair's sheets
    everyone = _client(chair.expert).get(url).content.decode()
    assert member.expert.display_name in everyone and chair.expert.display_name in everyone


def test_outsiders_get_404(world, evaluated):
    tender, chair, member = evaluated
    item = _item(member)
    seated = {m.expert_id for m in CommitteeMember.objects.filter(committee__tender=tender)}
    off_committee = next(e for e in world.experts if e.pk not in seated)
    for user in (world.purchaser, world.supplier_staff[0], off_committee):
        client = _client(user)
        assert client.get(reverse("evaluation:score-sheets", args=[tender.pk])).status_code == 404
        assert client.get(reverse("evaluation:score-correct", args=[item.pk])).status_code == 404


def test_correction_needs_an_article_64_reason_and_confirmation(world, evaluated):
    tender, chair, member = evaluated
    item = _item(member)
    url = reverse("evaluation:score-correct", args=[item.pk])
    client = _client(member.expert)
    assert client.get(url).status_code == 200
    new = item.score - Decimal("1")
    data = {"new_score": str(new), "reason": "arithmetic", "explanation": "合计时漏加一项。"}
    # No confirmation: nothing changes.
    page = client.post(url, data)
    assert page.status_code == 200 and not ScoreCorrection.objects.exists()
    # A reason outside 87号令 64: refused by the form, nothing changes.
    page = client.post(url, {**data, "reason": "changed_my_mind", "confirm": "on"})
    assert page.status_code == 200 and not ScoreCorrection.objects.exists()
    # Above the criterion's maximum: the service refuses with its message.
    too_high = client.post(url, {**data, "new_score": str(item.criterion.max_score + 1),
                                 "confirm": "on"})
    assert too_high.status_code == 200 and not ScoreCorrection.objects.exists()
    assert 'class="errorlist' in too_high.content.decode()
    done = client.post(url, {**data, "confirm": "on"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.score == new
    correction = ScoreCorrection.objects.get()
    assert correction.reason == "arithmetic" and correction.corrected_by == member.expert
    assert AuditEntry.objects.filter(action="score.correct").count() == 1
    sheets = client.get(reverse("evaluation:score-sheets", args=[tender.pk])).content.decode()
    assert "分值汇总计算错误" in sheets


def test_chair_corrects_a_members_score_member_cannot_correct_anothers(world, evaluated):
    tender, chair, member = evaluated
    chair_item = _item(chair)
    client = _client(member.expert)
    assert client.get(reverse("evaluation:score-correct", args=[chair_item.pk])).status_code == 404
    item = _item(member)
    url = reverse("evaluation:score-correct", args=[item.pk])
    response = _client(chair.expert).post(url, {
        "new_score": str(item.score), "reason": "abnormal", "explanation": "经委员会认定。",
        "confirm": "on"})
    assert response.status_code == 302
    assert ScoreCorrection.objects.get().corrected_by == chair.expert


def test_correction_page_shows_the_criterion_and_the_sheet_total_before_and_after(world, evaluated):
    tender, chair, member = evaluated
    item = _item(member)
    item.criterion.description = "方案的针对性和可行性"
    item.criterion.save(update_fields=["description"])
    url = reverse("evaluation:score-correct", args=[item.pk])
    client = _client(member.expert)
    html = client.get(url).content.decode()
    total = item.sheet.total
    assert "方案的针对性和可行性" in html
    sheets = client.get(reverse("evaluation:score-sheets", args=[tender.pk])).content.decode()
    assert '<small class="criterion-description">方案的针对性和可行性</small>' in sheets
    assert f'<dd class="total-before">{total}</dd>' in html
    assert f'max="{item.criterion.max_score}"' in html and f'data-sheet-rest="{total - item.score}"' in html
    # Not confirmed yet: the page shows the total the correction would give; nothing changes.
    new = item.score - Decimal("2.5")
    html = client.post(url, {"new_score": str(new), "reason": "arithmetic",
                             "explanation": "合计时漏加一项。"}).content.decode()
    assert f'<output class="total-after" data-correct-total>{total - Decimal("2.5")}</output>' in html
    assert not ScoreCorrection.objects.exists()
