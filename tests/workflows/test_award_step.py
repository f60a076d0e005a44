"""The award page says how the bids were ranked and runs the recorded draw on a first-rank tie."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from core.exceptions import ServiceError
from evaluation.models import TieDraw
from procurement.models import Award, Tender
from tests.worlds import tender_evaluated, tender_opened
from workflows.views.steps import AwardStep, TenderPublishForm

pytestmark = pytest.mark.django_db

TIED_PRICES = (D("270000.00"), D("270000.00"), D("290000.00"))


def _step(world, tender) -> AwardStep:
    """Return the award step of the tender's project as the purchaser sees it (no flow needed)."""
    step = AwardStep.__new__(AwardStep)
    step.user, step.task = world.purchaser, None
    step.process = SimpleNamespace(project=tender.project)
    return step


def test_award_page_names_the_method_and_marks_ties_87_57(world):
    tender = tender_evaluated(world, tender=tender_opened(world, prices=TIED_PRICES,
                                                          tie_rule=Tender.TieRule.DRAW))
    step = _step(world, tender)
    summary = dict((str(k), str(v)) for k, v in step.summary())
    assert summary["评审方法"] == "综合评分法"
    assert summary["得分且报价相同时的排序规则"] == "随机抽签"
    assert "并列第1名" in summary and "第3名" in summary
    form = step.make_form(data={"comment": "x"})
    assert not form.is_valid() and "draw" in form.errors
    # Without the draw the service refuses; with it, the draw is recorded and the award follows.
    with pytest.raises(ServiceError, match="随机抽签"):
        step.perform({"comment": "x"})
    form = step.make_form(data={"draw": "on", "comment": "按抽签结果"})
    assert form.is_valid()
    step.perform(form.cleaned_data, form=form)
    draw = TieDraw.objects.get(tender=tender)
    assert Award.objects.get(tender=tender).bid_id == draw.groups[0]["order"][0]


def test_award_page_of_a_negotiation_says_lowest_price_law_38_5(world):
    tender = tender_evaluated(world, tender=tender_opened(world, method="negotiation",
                                                          price_weight=D("0")))
    summary = dict((str(k), str(v)) for k, v in _step(world, tender).summary())
    assert summary["评审方法"] == "最低报价法"
    assert "报价由低到高" in summary["排序依据"]
    assert "draw" not in _step(world, tender).make_form().fields


def test_tender_pages_show_method_tie_rule_and_the_draw(world):
    tender = tender_evaluated(world, tender=tender_opened(world, prices=TIED_PRICES,
                                                          tie_rule=Tender.TieRule.DRAW))
    from evaluation.services.ties import tie_draw

    tie_draw(tender=tender, actor=world.purchaser, seed="公开抽签-0302")
    client = Client()
    client.force_login(world.purchaser)
    html = client.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
    assert "综合评分法" in html and "随机抽签" in html and "公开抽签-0302" in html
    public = Client().get(reverse("portal:tender-detail", args=[tender.pk])).content.decode()
    assert "综合评分法" in public and "随机抽签" in public


def test_publish_form_offers_the_tie_rules_and_zero_weight_for_fixed_price():
    form = TenderPublishForm(fixed_price=True)
    assert dict(form.fields["tie_rule"].choices).keys() == {"technical", "draw"}
    assert form.fields["price_weight"].initial == 0
    assert TenderPublishForm().fields["price_weight"].initial == 10


def test_tender_api_names_the_evaluation_method_and_tie_rule_law_38_5(world):
    tender = tender_opened(world, method="negotiation", price_weight=D("0"))
    client = Client()
    client.force_login(world.purchaser)
    rows = client.get("/api/procurement/tenders/").json()["results"]
    data = next(row for row in rows if row["id"] == tender.pk)
    assert data["evaluation_method"] == "lowest_price"
    assert data["evaluation_method_display"] == "最低报价法"
    assert data["tie_rule"] == "technical"
