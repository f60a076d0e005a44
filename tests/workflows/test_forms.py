"""Forms people can fill (issue 8 item 1): tables of rows instead of comma-separated lines.

The project design page and the tender publication task carry formsets (office.formsets): rows
are added and removed, blank rows are skipped, a bad row is named by its number and column, the
running totals are printed on every render, and the services' limits come back on the table.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.widgets import DateInput, DateTimeInput
from office.formsets import formset_data
from procurement.models import ServiceProject, Tender
from tests.workflows.test_chain_http import Chain, _errors
from tests.workflows.test_task_access import submitted_project
from tests.worlds import project_draft
from workflows.views.start import ProjectDesignForm
from workflows.views.steps import DEFAULT_CRITERIA, TenderPublishForm

DELIVERABLE = {"activity_type": "case", "description": "个案服务", "quantity": 10, "unit": "个",
               "unit_price": "300", "min_quality": "每个个案不少于6次跟进"}
EVENT = {"activity_type": "small_event", "description": "社区小型活动", "quantity": 4, "unit": "场",
         "unit_price": "2000", "min_quality": "每场不少于25人"}
BLANK_DELIVERABLE = {"activity_type": "", "description": "", "quantity": "", "unit": "次",
                     "unit_price": "", "min_quality": ""}
BUDGET = [{"category": "personnel", "amount": "7000", "note": "社工薪酬"},
          {"category": "management", "amount": "1000", "note": "项目管理"},
          {"category": "activities", "amount": "2000", "note": "活动物料"}]


def design_post(world, *, deliverables=(DELIVERABLE,), deleted=(), budget=BUDGET, **changes):
    return {
        "community": world.community_org.pk, "purchaser": world.purchaser_org.pk,
        "title": "居家养老服务项目", "category": "elderly", "objectives": "提升独居老人生活质量",
        "target_groups": "独居老人", "fiscal_year": "2026", "funding_source": "fiscal",
        "duration_months": "12",
        **formset_data("deliverables", list(deliverables), deleted=deleted),
        **formset_data("indicators", [{"category": "output", "name": "个案服务数", "target": "10",
                                       "unit": "个"}]),
        **formset_data("budget_lines", list(budget)),
        **changes,
    }


def _select(html, name) -> str:
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


@pytest.mark.django_db
def test_design_page_offers_the_default_rows_in_chinese_with_their_totals(world, client):
    client.force_login(world.community)
    html = client.get(reverse("workflows:project_design")).content.decode()
    # Two deliverables, two indicators, three budget lines, each table with one blank row more.
    for prefix, rows in (("deliverables", 2), ("indicators", 2), ("budget_lines", 3)):
        assert f'name="{prefix}-TOTAL_FORMS" value="{rows + 1}"' in html
        assert f'name="{prefix}-{rows}-DELETE"' in html and f'name="{prefix}-{rows + 1}-' not in html
    assert "<template data-empty-row>" in html and "__prefix__" in html
    # Chinese choices, no English codes to type.
    assert "小型社区活动" in html and "服务对象满意度" in html and "人员薪酬" in html
    assert 'value="small_event" selected' in html
    # Totals: 10 × 2,000 + 20 × 300 and the budget; the limits and the default shares.
    assert "产出合计（数量×单价，元）：<output data-total>26,000.00</output>" in html
    assert "项目预算合计（元）：<output data-total>26,000.00</output>" in html
    assert "预算科目占比要求：人员薪酬 ≥ 70%；项目管理 10%–15%。" in html
    assert "当前占比：人员薪酬 70.00%；项目管理 10.00%；服务活动 20.00%。" in html
    assert 'src="/static/office/formset.js"' in html
    # The community's staff designs for its one community: preselected, no blank choice.
    community = _select(html, "community")
    assert f'value="{world.community_org.pk}" selected' in community and "---------" not in community


@pytest.mark.django_db
def test_rows_added_deleted_and_blank_reach_the_service_as_dicts(world, client):
    client.force_login(world.community)
    response = client.post(reverse("workflows:project_design"), design_post(
        world, deliverables=[DELIVERABLE, {**EVENT, "quantity": "99"}, EVENT, BLANK_DELIVERABLE],
        deleted=(1,)))
    assert response.status_code == 302, _errors(response)
    project = ServiceProject.objects.get()
    assert [(d.activity_type, d.quantity, d.unit, d.unit_price, d.min_quality)
            for d in project.deliverables.order_by("pk")] == [
        ("case", 10, "个", Decimal("300.00"), "每个个案不少于6次跟进"),
        ("small_event", 4, "场", Decimal("2000.00"), "每场不少于25人")]
    assert project.budget_amount == Decimal("10000.00")
    assert [(i.category, i.name, i.target) for i in project.indicators.all()] == [
        ("output", "个案服务数", Decimal("10.00"))]


@pytest.mark.django_db
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_created(world, client):
    client.force_login(world.community)
    url = reverse("workflows:project_design")
    response = client.post(url, design_post(
        world, deliverables=[DELIVERABLE, {**EVENT, "unit_price": "两千"}]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "第2行 单价（元）：输入一个数字。" in html
    assert not ServiceProject.objects.exists()
    # The re-rendered page keeps what was typed and prints the totals of the valid numbers.
    assert 'value="两千"' in html
    assert "产出合计（数量×单价，元）：<output data-total>3,000.00</output>" in html
    # A deleted row does not count, neither in the numbering nor in the total.
    response = client.post(url, design_post(
        world, deliverables=[{**EVENT, "quantity": "x"}, DELIVERABLE, {**EVENT, "unit_price": ""}],
        deleted=(0,)))
    assert "第2行 单价（元）：该字段是必填项。" in response.content.decode()
    # Every row deleted or blank: at least one is needed; two lines for one category refused.
    response = client.post(url, design_post(world, deliverables=[DELIVERABLE], deleted=(0,)))
    assert "服务产出：至少填写一行。" in response.content.decode()
    response = client.post(url, design_post(world, budget=[*BUDGET, BUDGET[0]]))
    assert "每个预算科目只能填写一行。" in response.content.decode()
    assert not ServiceProject.objects.exists()


@pytest.mark.django_db
def test_budget_caps_refused_by_the_service_show_on_the_budget_table(world, client):
    client.force_login(world.community)
    budget = [{**BUDGET[0], "amount": "6000"}, BUDGET[1], {**BUDGET[2], "amount": "3000"}]
    response = client.post(reverse("workflows:project_design"), design_post(world, budget=budget))
    assert response.status_code == 200
    formset = response.context["form"].formsets["budget_lines"]
    assert formset.non_form_errors() == ["预算科目“人员薪酬”占预算总额 60.00%，低于下限 70%。"]
    html = response.content.decode()
    table = html[html.index('data-formset="budget_lines"'):]
    assert table.index("低于下限 70%") < table.index("</fieldset>")
    assert "当前占比：人员薪酬 60.00%；项目管理 10.00%；服务活动 30.00%。" in html
    assert not ServiceProject.objects.exists()


@pytest.mark.django_db
def test_the_design_form_starts_from_an_existing_project(world):
    project = project_draft(world)
    form = ProjectDesignForm(user=world.community, project=project)
    assert form["title"].value() == project.title
    assert form["community"].value() == world.community_org.pk
    deliverables = form.formsets["deliverables"]
    assert [f["description"].value() for f in deliverables.forms[:1]] == ["个案服务"]
    assert deliverables.total_text() == "3,000.00"
    assert form.formsets["budget_lines"].total_text() == "300,000.00"
    assert [f["category"].value() for f in form.formsets["budget_lines"].forms[:3]] == [
        "personnel", "management", "activities"]
    assert len(form.formsets["indicators"].forms) == 2  # the project's one and a blank row


@pytest.mark.django_db
def test_criteria_rows_must_make_100_with_the_price_weight():
    deadline = timezone.localtime() + dt.timedelta(days=30)
    data = {"method": "open", "bid_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            "price_weight": "10", **formset_data("criteria", DEFAULT_CRITERIA)}
    form = TenderPublishForm(data=data)
    assert form.is_valid(), form.errors
    assert [(c["name"], c["kind"], c["max_score"], c["order"]) for c in form.cleaned_data["criteria"]] == [
        ("服务方案", "technical", Decimal("50"), 1), ("团队与资质", "technical", Decimal("20"), 2),
        ("管理与承诺", "commercial", Decimal("20"), 3)]
    assert form.cleaned_data["criteria"][0]["description"].startswith("需求分析")
    form = TenderPublishForm(data={**data, "price_weight": "20"})
    assert not form.is_valid()
    assert form.formsets["criteria"].non_form_errors() == [
        "评分项分值合计90分，加上价格分20分共110分，应为100分。"]
    assert form.formsets["criteria"].total_text() == "110.00"
    # Price is not a kind to choose: it comes from the price weight.
    form = TenderPublishForm(data={**data, "criteria-0-kind": "price"})
    assert not form.is_valid()
    assert form.formsets["criteria"].error_summary()[0].startswith("第1行 类型：")
    # A fixed-price project starts at price weight 0 with defaults that still make 100.
    form = TenderPublishForm(fixed_price=True)
    assert form.formsets["criteria"].total_text() == "100.00"


def test_date_inputs_render_the_value_the_browser_accepts_in_local_time():
    from accounts.forms import RegistryDateForm
    from delivery.forms import ServiceRecordForm
    from procurement.forms.amendments import AmendmentForm

    for form_class, name, widget in ((TenderPublishForm, "bid_deadline", DateTimeInput),
                                     (TenderPublishForm, "documents_until", DateInput),
                                     (AmendmentForm, "bid_deadline", DateTimeInput),
                                     (RegistryDateForm, "day", DateInput)):
        assert isinstance(form_class.base_fields[name].widget, widget), (form_class, name)
    assert isinstance(ServiceRecordForm.base_fields["served_on"].widget, DateInput)
    at = dt.datetime(2026, 11, 30, 2, 5, tzinfo=dt.UTC)  # 10:05 in Shanghai
    with translation.override("zh-hans"):
        form = TenderPublishForm(initial={"bid_deadline": at, "documents_until": dt.date(2026, 11, 30)})
        assert 'type="datetime-local" name="bid_deadline" value="2026-11-30T10:05"' in str(
            form["bid_deadline"])
        assert 'type="date" name="documents_until" value="2026-11-30"' in str(form["documents_until"])
        record = RegistryDateForm(initial={"day": dt.date(2026, 3, 2)})
        assert 'value="2026-03-02"' in str(record["day"])


@pytest.mark.django_db
def test_publish_task_page_the_confirmation_keeps_the_rows_and_envelope_preselected(
        world):
    submitted_project(world)
    chain = Chain(world)
    chain.do(world.purchaser, "立项审批", {"decision": "approve"})
    # The finance officer's one matching envelope is preselected, without a blank choice.
    html = chain.client(world.finance).get(chain.task_url(world.finance, "预算审核")).content.decode()
    envelope = _select(html, "envelope")
    assert f'value="{world.envelope.pk}" selected' in envelope and "---------" not in envelope
    chain.do(world.finance, "预算审核", {"decision": "confirm", "envelope": world.envelope.pk})

    url = chain.task_url(world.purchaser, "发布采购公告")
    html = chain.client(world.purchaser).get(url).content.decode()
    assert 'name="criteria-TOTAL_FORMS" value="4"' in html and "评分标准" in html
    assert "评分合计（含价格分，应为100分）：<output data-total>100.00</output>" in html
    assert 'data-total-plus="price_weight"' in html

    # Publishing asks first: the rows are shown and re-posted; confirming publishes them.
    deadline = timezone.localtime() + dt.timedelta(days=30)
    rows = [*DEFAULT_CRITERIA[:2], {**DEFAULT_CRITERIA[2], "max_score": "15"},
            {"name": "社区评价", "kind": "commercial", "max_score": "5", "description": "居民评价"}]
    data = {"method": "open", "bid_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            "price_weight": "10", **formset_data("criteria", rows)}
    page = chain.client(world.purchaser).post(url, data)
    html = page.content.decode()
    assert 'class="mdc-card vf-card task-confirm"' in html, _errors(page)
    assert "评分项：社区评价　类型：商务　分值：5　评分标准：居民评价" in html
    assert 'name="criteria-3-name" value="社区评价"' in html
    assert 'name="criteria-TOTAL_FORMS" value="4"' in html
    assert not Tender.objects.exists()
    repost = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    response = chain.client(world.purchaser).post(url, {**repost, "confirmed": "1"})
    assert response.status_code == 302, _errors(response)
    tender = Tender.objects.get()
    assert [(c.name, c.kind, c.max_score, c.description) for c in tender.criteria.all()] == [
        ("价格", "price", Decimal("10.00"), ""),
        ("服务方案", "technical", Decimal("50.00"), DEFAULT_CRITERIA[0]["description"]),
        ("团队与资质", "technical", Decimal("20.00"), DEFAULT_CRITERIA[1]["description"]),
        ("管理与承诺", "commercial", Decimal("15.00"), DEFAULT_CRITERIA[2]["description"]),
        ("社区评价", "commercial", Decimal("5.00"), "居民评价")]


@pytest.mark.django_db
def test_cancelling_after_a_failed_tender_ignores_the_criteria_table():
    from types import SimpleNamespace

    failed = SimpleNamespace(pk=1, code="CG2026-00001")
    rows = formset_data("criteria", [{**DEFAULT_CRITERIA[0], "max_score": "x"}], deleted=())
    form = TenderPublishForm(data={"decision": "cancel", **rows}, failed_tender=failed)
    assert not form.is_valid()
    assert list(form.errors) == ["reason"]  # the table is not checked, and renders again
    assert "第1行" not in str(form.formsets["criteria"].error_summary())
    form = TenderPublishForm(data={"decision": "cancel", "reason": "需求变化", **rows},
                             failed_tender=failed)
    assert form.is_valid(), form.errors
    assert "criteria" not in form.cleaned_data
