"""The envelope adjustment page (issue 7 item 17; 预算法 / 内部控制: budget envelopes change only
through an audited service, never below what is committed): finance staff of the envelope's
bureau adjust it with a reason; everyone else gets 404."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from core.models import AuditEntry
from finance.services.budget import budget_confirm
from tests.factories import DEFAULT_PASSWORD
from tests.worlds import project_approved

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def _url(envelope):
    return reverse("finance:envelope-adjust", args=[envelope.pk])


def test_ledger_links_to_the_adjustment_page(client, world):
    page = _login(client, world.finance).get(reverse("finance:ledger")).content.decode()
    assert _url(world.envelope) in page


def test_finance_adjusts_an_envelope_with_a_reason_and_it_is_audited(client, world):
    _login(client, world.finance)
    page = client.get(_url(world.envelope)).content.decode()
    assert "1000000.00" in page.replace(",", "")
    post = {"amount": "1200000.00", "reason": "区人大批准预算调整"}
    confirm = client.post(_url(world.envelope), post)  # irreversible: a confirmation page first
    assert confirm.status_code == 200 and "请确认：调整预算额度" in confirm.content.decode()
    assert 'name="confirmed" value="1"' in confirm.content.decode()
    world.envelope.refresh_from_db()
    assert world.envelope.amount == D("1000000.00")
    assert not AuditEntry.objects.filter(action="envelope.adjust").exists()
    response = client.post(_url(world.envelope), {**post, "confirmed": "1"})
    assert response.status_code == 302 and response.url == reverse("finance:ledger")
    world.envelope.refresh_from_db()
    assert world.envelope.amount == D("1200000.00")
    entry = AuditEntry.objects.get(action="envelope.adjust")
    assert entry.actor == world.finance and entry.after["reason"] == "区人大批准预算调整"
    page = client.get(_url(world.envelope)).content.decode()
    assert "区人大批准预算调整" in page  # the adjustment history
    assert "1200000.00" in page.replace(",", "")


def test_adjustment_below_committed_is_refused_on_the_page(client, world):
    project = project_approved(world)
    budget_confirm(project=project, envelope=world.envelope, actor=world.finance)  # 300,000
    _login(client, world.finance)
    response = client.post(_url(world.envelope), {"amount": "299999.99", "reason": "压减预算",
                                                  "confirmed": "1"})
    assert response.status_code == 200
    assert "预算额度不能低于已占用金额" in response.content.decode()
    world.envelope.refresh_from_db()
    assert world.envelope.amount == D("1000000.00")
    assert not AuditEntry.objects.filter(action="envelope.adjust").exists()
    # Exactly what is committed is allowed.
    response = client.post(_url(world.envelope), {"amount": "300000.00", "reason": "压减预算",
                                                  "confirmed": "1"})
    assert response.status_code == 302


def test_adjustment_needs_a_reason_and_a_valid_amount(client, world):
    _login(client, world.finance)
    response = client.post(_url(world.envelope), {"amount": "1200000.00", "reason": ""})
    assert response.status_code == 200
    response = client.post(_url(world.envelope), {"amount": "12.345", "reason": "x"})
    assert response.status_code == 200
    world.envelope.refresh_from_db()
    assert world.envelope.amount == D("1000000.00")


@pytest.mark.parametrize("who", ["purchaser", "supplier", "outsider_finance", "expert"])
def test_others_get_404(client, world, who):
    user = {"purchaser": world.purchaser, "supplier": world.supplier_staff[0],
            "outsider_finance": world.outsiders["finance"], "expert": world.experts[0]}[who]
    _login(client, user)
    assert client.get(_url(world.envelope)).status_code == 404
    assert client.post(_url(world.envelope), {"amount": "1", "reason": "x"}).status_code == 404
    world.envelope.refresh_from_db()
    assert world.envelope.amount == D("1000000.00")


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(_url(world.envelope))
    assert response.status_code == 302 and "login" in response.url
