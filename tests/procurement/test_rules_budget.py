"""Budget category shares (RULES.md [practice]: personnel ≥ 70 %, management 10–15 %) at submission."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import ServiceError
from core.models import AuditEntry
from office.formsets import formset_data
from procurement.models import ServiceProject
from procurement.rules import budget_caps_text, budget_category_shares, check_budget_category_caps
from procurement.services.projects import project_submit
from tests.worlds import project_draft

pytestmark = pytest.mark.django_db


def lines(personnel, management, total="100000"):
    """Return personnel, management and activities lines summing to total."""
    personnel, management, total = Decimal(personnel), Decimal(management), Decimal(total)
    return [
        {"category": "personnel", "amount": personnel},
        {"category": "management", "amount": management},
        {"category": "activities", "amount": total - personnel - management},
    ]


def submit_with(world, budget_lines):
    project = project_draft(world, budget=sum(line["amount"] for line in budget_lines),
                           budget_lines=budget_lines)
    project_submit(project=project, actor=world.community)
    project.refresh_from_db()
    return project


@pytest.mark.parametrize(("personnel", "management", "error"), [
    ("70000", "10000", None),                          # personnel 70.00 %: the lower limit holds
    ("69990", "10000", "“人员薪酬”占预算总额 69.99%，低于下限 70%"),
    ("70000", "9990", "“项目管理”占预算总额 9.99%，低于下限 10%"),
    ("75000", "10000", None),                          # management 10.00 %
    ("70000", "15000", None),                          # management 15.00 %
    ("70000", "15010", "“项目管理”占预算总额 15.01%，超过上限 15%"),
])
def test_submit_checks_category_shares_at_the_boundaries(world, personnel, management, error):
    project = project_draft(world, budget=Decimal("100000"), budget_lines=lines(personnel, management))
    if error is None:
        project_submit(project=project, actor=world.community)
        project.refresh_from_db()
        assert project.status == ServiceProject.Status.SUBMITTED
        return
    with pytest.raises(ServiceError) as exc:
        project_submit(project=project, actor=world.community)
    assert len(exc.value.messages) == 1 and error in exc.value.messages[0]
    assert exc.value.error_list[0].code == "budget_caps"
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.DRAFT
    assert not AuditEntry.objects.filter(action="project.submit").exists()


def test_every_broken_limit_is_reported(world):
    project = project_draft(world, budget=Decimal("100000"), budget_lines=lines("60000", "20000"))
    with pytest.raises(ServiceError) as exc:
        project_submit(project=project, actor=world.community)
    assert len(exc.value.messages) == 2
    assert "人员薪酬" in exc.value.messages[0] and "项目管理" in exc.value.messages[1]


def test_a_missing_required_category_counts_as_zero(world):
    budget_lines = [{"category": "personnel", "amount": Decimal("90000")},
                    {"category": "activities", "amount": Decimal("10000")}]
    with pytest.raises(ServiceError, match="项目管理.*0.00%"):
        submit_with(world, budget_lines)


def test_shares_are_compared_rounded_to_two_places():
    # 139,990 / 200,000 = 69.995 % → shown and compared as 70.00 %; 69.994 % → 69.99 %.
    assert budget_category_shares(lines("139990", "20000", "200000"))["personnel"] == Decimal("70.00")
    check_budget_category_caps(lines("139990", "20000", "200000"))
    with pytest.raises(ServiceError, match="69.99%"):
        check_budget_category_caps(lines("139988", "20000", "200000"))


def test_caps_are_configuration(world, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES,
                               "BUDGET_CATEGORY_CAPS": {"personnel": {"min": "50"}}}
    assert submit_with(world, lines("50000", "5000")).status == ServiceProject.Status.SUBMITTED
    with pytest.raises(ServiceError, match="低于下限 50%"):
        submit_with(world, lines("49990", "5000"))


def test_an_empty_dict_switches_the_rule_off(world, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "BUDGET_CATEGORY_CAPS": {}}
    project = submit_with(world, lines("10000", "50000"))
    assert project.status == ServiceProject.Status.SUBMITTED
    assert budget_caps_text() == ""


# --- the project design page ------------------------------------------------------------------


def budget_rows(*amounts):
    """Return personnel, management and activities rows with these amounts."""
    return [{"category": category, "amount": amount, "note": note} for category, amount, note
            in zip(("personnel", "management", "activities"), amounts, ("社工薪酬", "管理", "活动"),
                   strict=True)]


def design_post(world, budget_lines):
    return {
        "community": world.community_org.pk, "purchaser": world.purchaser_org.pk,
        "title": "居家养老服务项目", "category": "elderly", "objectives": "提升独居老人生活质量",
        "target_groups": "独居老人", "fiscal_year": "2026", "funding_source": "fiscal",
        "duration_months": "12",
        **formset_data("deliverables", [{"activity_type": "case", "description": "个案服务",
                                         "quantity": 10, "unit": "个", "unit_price": 300,
                                         "min_quality": "每个个案不少于6次跟进"}]),
        **formset_data("indicators", [{"category": "output", "name": "个案服务数", "target": 10,
                                       "unit": "个"}]),
        **formset_data("budget_lines", budget_lines),
    }


def test_design_page_shows_the_limits_and_the_default_lines_shares(world, client):
    client.force_login(world.community)
    html = client.get(reverse("workflows:project_design")).content.decode()
    assert "预算科目占比要求：人员薪酬 ≥ 70%；项目管理 10%–15%。" in html
    assert "当前占比：人员薪酬 70.00%；项目管理 10.00%；服务活动 20.00%。" in html


def test_design_page_refuses_a_broken_share_as_a_budget_field_error(world, client):
    client.force_login(world.community)
    response = client.post(reverse("workflows:project_design"), design_post(
        world, budget_rows(6999, 1000, 2001)))
    assert response.status_code == 200
    form = response.context["form"]
    # The service's refusal is shown on the budget table (project_submit enforces the limits).
    assert form.formsets["budget_lines"].non_form_errors() == [
        "预算科目“人员薪酬”占预算总额 69.99%，低于下限 70%。"]
    assert "当前占比：人员薪酬 69.99%；项目管理 10.00%；服务活动 20.01%。" in response.content.decode()
    assert not ServiceProject.objects.exists()  # the draft is rolled back with the refused submission


def test_design_page_accepts_shares_on_the_limits(world, client):
    client.force_login(world.community)
    response = client.post(reverse("workflows:project_design"), design_post(
        world, budget_rows(7000, 1500, 1500)))
    assert response.status_code == 302
    assert ServiceProject.objects.get().status == ServiceProject.Status.SUBMITTED
