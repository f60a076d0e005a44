"""Every back-office list searches, filters, sorts, pages and exports exactly what it shows, in a
number of queries that does not grow with its rows (issue 8 item 3; core.lists)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db

# url name, the world's user who reads it, the header of the column that names a row, a
# money/number header (None when the list has none), a date header (None when none).
LISTS = [
    ("procurement:need-list", "community", "需求标题", "支持人数", "提交时间"),
    ("procurement:project-list", "purchaser", "项目编号", "项目预算（元）", "创建时间"),
    ("procurement:tender-list", "purchaser", "采购编号", "预算金额（元）", "投标截止时间"),
    ("procurement:contract-list", "purchaser", "合同编号", "合同金额（元）", "开始日期"),
    ("delivery:record-list", "purchaser", "台账编号", "服务人数/人次", "服务日期"),
    ("delivery:milestone-list", "purchaser", "合同编号", None, "提交时间"),
    ("finance:ledger", "finance", "预算额度", "年度额度（元）", None),
    ("finance:tranche-list", "finance", "合同编号", "计划金额（元）", "支付时间"),
    ("evaluation:performance-list", "purchaser", "合同编号", "综合得分", "开始时间"),
    ("evaluation:expert-list", "purchaser", "用户名", None, None),
    ("evaluation:score-list", "expert", "采购编号", None, "投标截止时间"),
    ("accounts:registry-list", "admin", "统一社会信用代码", "有效资质数", None),
    ("accounts:identity-change-list", "admin", "申请变更法定代表人", None, "申请时间"),
]


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def _user(world, who):
    return {"admin": world.admin, "expert": world.experts[0]}.get(who) or getattr(world, who)


def _grow(world, n: int) -> None:
    """Add n rows to every list of the table."""
    rows_at_stage(world, n, "closed")
    for _ in range(n):
        organization = factories.OrganizationFactory(kind="social_org")
        factories.OrganizationIdentityChangeFactory(organization=organization)
        factories.ExpertProfileFactory()
        factories.NotificationFactory(recipient=world.purchaser)


def _body_rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    return book.active


def _table(response) -> list[tuple]:
    return list(_sheet(response).iter_rows(values_only=True))


@pytest.mark.parametrize(("name", "who", "key", "number", "date"), LISTS)
def test_list_page_and_export_hold_the_same_rows_with_typed_cells(client, world, name, who, key,
                                                                  number, date):
    _grow(world, 3)
    client.force_login(_user(world, who))
    url = reverse(name)
    html = client.get(url).content.decode()
    assert 'class="list-tools"' in html and "导出Excel" in html and 'class="sort"' in html
    context = client.get(url).context
    shown = list(context["page"].object_list if "page" in context else context["rows"])
    table = _table(client.get(url, {"export": "xlsx"}))
    header, body = table[0], table[1:]
    assert key in header
    if name.startswith("finance:"):
        assert body[-1][0] == "合计"  # the totals row of the money columns
        amount = header.index(number)
        assert body[-1][amount] == sum(row[amount] for row in body[:-1])
        body = body[:-1]
    assert len(body) == len(shown) > 0
    if number:
        column = header.index(number)
        assert all(isinstance(row[column], int | float | Decimal) for row in body
                   if row[column] is not None)
        assert any(row[column] is not None for row in body)
    if date:
        column = header.index(date)
        assert all(isinstance(row[column], datetime.date) for row in body
                   if row[column] is not None)
        assert any(row[column] is not None for row in body)
    # Bad filter input answers with a message and exports nothing, never an error.
    for query in ({"o": "password"}, {"status": "nonsense", "o": "-nonsense"},
                  {"fiscal_year": "明年", "served_from": "昨天", "requested_from": "2026-13-45",
                   "submitted_from": "x", "o": "x"}):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert "查询条件有误" in response.content.decode(), query
        assert len(_table(client.get(url, {**query, "export": "xlsx"}))) == 1, query


@pytest.mark.parametrize(("name", "who", "key", "number", "date"), LISTS)
def test_list_query_counts_do_not_grow_with_rows(client, world, name, who, key, number, date):
    user = _user(world, who)
    client.force_login(user)
    url = reverse(name)
    client.get(url)  # warm the content-type and permission caches
    _grow(world, 2)
    counts = []
    for n in (2, 8):
        if n == 8:
            _grow(world, 6)
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as export:
            assert client.get(url, {"export": "xlsx"}).status_code == 200
        counts.append((len(page), len(export)))
    assert counts[0] == counts[1], counts


def test_column_headers_sort_both_ways_and_keep_the_filters(client, world):
    _grow(world, 3)
    client.force_login(world.finance)
    url = reverse("finance:tranche-list")
    html = client.get(url, {"status": "paid"}).content.decode()
    assert '<a class="sort" href="?status=paid&amp;o=amount">' in html
    html = client.get(url, {"status": "paid", "o": "amount", "page": "1"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?status=paid&amp;o=-amount" in html  # the second click sorts descending
    header, *body = _table(client.get(url, {"status": "paid", "o": "-amount", "export": "xlsx"}))
    amounts = [row[header.index("计划金额（元）")] for row in body[:-1]]
    assert amounts == sorted(amounts, reverse=True) and len(amounts) == 9
    assert body[-1][0] == "合计"


def test_searches_and_filters_keep_the_rows_a_user_would_ask_for(client, world):
    projects = rows_at_stage(world, 3, "closed")
    client.force_login(world.purchaser)
    contract = projects[1].contract if hasattr(projects[1], "contract") else None
    code = (contract or projects[1].contracts.get()).code
    for name in ("delivery:record-list", "delivery:milestone-list",
                 "evaluation:performance-list"):
        table = _table(client.get(reverse(name), {"q": code, "export": "xlsx"}))
        assert len(table) == 2, name
        assert _body_rows(client.get(reverse(name), {"q": code}).content.decode()) == 1, name
    client.force_login(world.finance)
    table = _table(client.get(reverse("finance:tranche-list"), {"q": code, "export": "xlsx"}))
    assert len(table) == 1 + 3 + 1
    assert _body_rows(client.get(reverse("finance:tranche-list"),
                                 {"status": "pending"}).content.decode()) == 1  # 暂无
    client.force_login(world.community)
    need_list = reverse("procurement:need-list")
    assert _body_rows(client.get(need_list, {"status": "declined"}).content.decode()) == 3
    assert _body_rows(client.get(need_list, {"q": "广场舞", "category": "culture"})
                      .content.decode()) == 3


def test_notifications_search_and_unread_filter(client, world):
    factories.NotificationFactory(recipient=world.purchaser, title="合同待签署")
    factories.NotificationFactory(recipient=world.purchaser, title="阶段报告待验收", read=True)
    factories.NotificationFactory(recipient=world.finance, title="合同待签署")
    client.force_login(world.purchaser)
    url = reverse("core:notification-list")
    assert [n.title for n in client.get(url, {"unread": "1"}).context["page"]] == ["合同待签署"]
    assert [n.title for n in client.get(url, {"q": "验收"}).context["page"]] == ["阶段报告待验收"]
    assert "没有符合条件的通知" in client.get(url, {"q": "不存在"}).content.decode()
    titles = [n.title for n in client.get(url, {"o": "title"}).context["page"]]
    assert titles == sorted(titles)
    # The export holds the filtered rows, with typed times; only the user's own notifications.
    table = _table(client.get(url, {"unread": "1", "export": "xlsx"}))
    assert [row[1] for row in table[1:]] == ["合同待签署"]
    assert isinstance(table[1][0], datetime.datetime)


def test_exports_show_only_what_the_page_shows_that_user(client, world):
    rows_at_stage(world, 2, "closed")
    client.force_login(world.outsiders["purchaser"])
    for name in ("delivery:record-list", "finance:tranche-list", "evaluation:performance-list"):
        assert len(_table(client.get(reverse(name), {"export": "xlsx"}))) == 1, name
    client.force_login(world.supplier_staff[0])
    table = _table(client.get(reverse("accounts:registry-list"), {"export": "xlsx"}))
    assert [row[0] for row in table[1:]] == [world.suppliers[0].name]


def test_qa_pending_searches_and_filters_both_tables(client, world):
    projects = rows_at_stage(world, 2, "published")
    first, second = (p.tenders.get() for p in projects)
    factories.TenderQuestionFactory(tender=first, organization=world.suppliers[0])
    factories.ChallengeFactory(tender=second, organization=world.suppliers[1])
    client.force_login(world.purchaser)
    url = reverse("procurement:qa-pending")
    html = client.get(url).content.decode()
    assert 'class="list-tools"' in html and "导出Excel" in html
    table = _table(client.get(url, {"export": "xlsx"}))
    assert sorted(row[0] for row in table[1:]) == ["澄清问题", "质疑"]
    assert {row[1] for row in table[1:]} == {first.code, second.code}
    assert isinstance(table[1][5], datetime.datetime)  # the due day, a real date cell
    context = client.get(url, {"q": first.code}).context
    assert len(context["questions"]) == 1 and context["challenges"] == []
    context = client.get(url, {"kind": "challenge"}).context
    assert context["questions"] == [] and len(context["challenges"]) == 1
    response = client.get(url, {"kind": "nonsense"})
    assert "查询条件有误" in response.content.decode() and response.context["challenges"] == []


def test_an_export_title_with_characters_excel_refuses_still_exports():
    from core.lists import xlsx_response

    response = xlsx_response(rows=[("a", 1)], columns=[("名称", lambda r: r[0], None),
                                                      ("数量", lambda r: r[1], None)],
                             title="采购/评审 [2026]: 合计?", filename="x")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "采购·评审 ·2026·· 合计·"
    assert list(sheet.iter_rows(values_only=True)) == [("名称", "数量"), ("a", 1)]
