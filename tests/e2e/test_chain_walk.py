"""The whole chain walked in headless Chromium, as its users would walk it (issue 8 acceptance).

A resident raises a need, the community accepts it and designs a project on the design page,
the purchaser approves it, finance confirms the budget, the purchaser publishes the tender,
three social organizations bid with their documents, the tender opens at its deadline (the
beat task, run here as the worker would), the purchaser draws the committee, each expert scores
on the scoring page, the purchaser awards, both parties sign, finance pays by milestone, a
social worker records services with a photo, the community confirms them, the supplier reports,
the purchaser accepts, residents answer the satisfaction survey, the four parties evaluate and
the purchaser closes the project. Every step is a page: no admin, no CSV, no service called by
the test except the tender opening the scheduler performs. Time is moved between the steps with
time_machine (the live server runs in this process, so it shares the frozen clock).
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.e2e.test_browser import _console_errors, _wait_for, click

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TZ = ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)  # a Monday, no holiday near


class Walk:
    """One browser, logged in as one user at a time, filling pages by their field names."""

    def __init__(self, driver, server_url: str, password: str, clock):
        self.driver = driver
        self.url = server_url
        self.password = password
        self.clock = clock
        self.errors: list = []
        self.user = None

    # --- time and identity ------------------------------------------------------------------

    def day(self, days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        moment = (START + datetime.timedelta(days=days)).replace(hour=hour) + datetime.timedelta(
            minutes=minute)
        self.clock.move_to(moment)
        # Hours or days later a privileged user's idle session has expired (accounts'
        # PRIVILEGED_SESSION_IDLE_MINUTES): as in an office, the next step logs in again.
        self.user = None
        return moment

    def login(self, user) -> None:
        from selenium.webdriver.common.by import By

        if self.user == user.username:
            return
        self.driver.delete_all_cookies()
        self.driver.get(f"{self.url}/accounts/login/?next=/workspace/")
        field = _wait_for(lambda: self.driver.find_elements(By.CSS_SELECTOR, "input[name=username]"))
        assert field, self.driver.page_source[:1500]
        field[0].send_keys(user.username)
        self.driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(self.password)
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        assert _wait_for(lambda: "/accounts/login/" not in self.driver.current_url), (
            user.username, self.driver.page_source[:1500])
        self.driver.get_log("browser")  # the login page is not what is checked
        self.user = user.username

    # --- pages ------------------------------------------------------------------------------

    def get(self, path: str) -> None:
        self.driver.get(f"{self.url}{path}")
        self._check_console(path)

    def _check_console(self, where: str) -> None:
        errors = _console_errors(self.driver)
        if errors:
            self.errors.append((self.user, where, errors))

    def task(self, user, title: str, subject: str) -> None:
        """Open the inbox task named title for subject, as user."""
        from selenium.webdriver.common.by import By

        self.login(user)
        self.get("/workspace/")
        rows = [r for r in self.driver.find_elements(By.CSS_SELECTOR, "tr.inbox-task")
                if title in r.text and subject in r.text]
        assert rows, (user.username, title, [r.text for r in self.driver.find_elements(
            By.CSS_SELECTOR, "tr.inbox-task")])
        self.get(rows[0].find_element(By.CSS_SELECTOR, "a[href*='/workspace/tasks/']")
                 .get_attribute("href").removeprefix(self.url))

    def fill(self, **values) -> None:
        """Fill fields by name the way a user does: type text, pick options, tick boxes."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        for name, value in values.items():
            elements = self.driver.find_elements(By.NAME, name)
            assert elements, (name, self.driver.current_url, self.driver.page_source[:3000])
            element = elements[0]
            kind = (element.get_attribute("type") or "").lower()
            if element.tag_name == "select":
                select = Select(element)
                values = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
                options = [o for o in select.options
                           if o.get_attribute("value") in values or o.text.strip() in values]
                assert len(options) == len(values), (name, value, [o.text for o in select.options])
                for option in options:
                    if not option.is_selected():
                        select.select_by_value(option.get_attribute("value"))
            elif kind == "radio":
                chosen = [e for e in elements if e.get_attribute("value") == str(value)]
                assert chosen, (name, value)
                click(self.driver, chosen[0])
            elif kind == "checkbox":
                wanted = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
                for box in elements:
                    if (box.get_attribute("value") in wanted or value is True) != box.is_selected():
                        click(self.driver, box)
            elif kind == "file":
                element.send_keys("\n".join(str(p) for p in (
                    value if isinstance(value, list | tuple) else [value])))
            elif kind in ("date", "datetime-local", "time"):
                # Chromium's date pickers take keystrokes in the locale's order; set the value the
                # picker would produce instead (the same string the widget renders).
                self.driver.execute_script(
                    "arguments[0].value = arguments[1];"
                    "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                    "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                    element, str(value))
            else:
                element.clear()
                element.send_keys(str(value))

    def _click_and_load(self, element) -> None:
        """Click and wait until the next page has replaced this one and finished loading."""
        invalid = self.driver.execute_script(
            "const f = arguments[0].form; return f ? Array.from(f.querySelectorAll(':invalid'))"
            ".map(e => e.name + ': ' + e.validationMessage) : []", element)
        assert not invalid, (self.driver.current_url, invalid)
        # viewflow pages run Turbo Drive: a submit swaps <body> without a new window.
        self.driver.execute_script("document.body.dataset.walkOld = '1';")
        click(self.driver, element)
        assert _wait_for(lambda: self.driver.execute_script(
            "return !document.body.dataset.walkOld && document.readyState === 'complete'"),
            timeout=60), (
            self.driver.current_url, self.driver.execute_script(
                "return Array.from(document.querySelectorAll('form :invalid'))"
                ".map(e => e.name + ': ' + e.validationMessage)"))

    def press(self, css: str) -> None:
        """Press one button by its selector and wait for the page it leads to."""
        from selenium.webdriver.common.by import By

        buttons = self.driver.find_elements(By.CSS_SELECTOR, css)
        assert buttons, (css, self.driver.current_url, self.driver.page_source[:2000])
        self._click_and_load(buttons[0])
        self._check_console(self.driver.current_url)

    def submit(self, *, form: str = "form.task-form, form.vf-form", confirm: bool = True) -> None:
        """Press the form's main button; on a confirmation page, confirm. Fail on form errors."""
        from selenium.webdriver.common.by import By

        before = self.driver.current_url
        buttons = self.driver.find_elements(By.CSS_SELECTOR, f"{form.split(',')[0]} button[type=submit]")
        if not buttons:
            buttons = self.driver.find_elements(By.CSS_SELECTOR, "main form button[type=submit], "
                                                "form.vf-form button[type=submit]")
        assert buttons, (before, self.driver.page_source[:2000])
        self._click_and_load(buttons[0])
        self._check_console(before)
        errors = self.driver.find_elements(By.CSS_SELECTOR, ".errorlist")
        assert not errors, (before, [e.text for e in errors])
        if confirm and self.driver.find_elements(By.CSS_SELECTOR, "button[name=confirmed]"):
            self._click_and_load(self.driver.find_element(By.CSS_SELECTOR, "button[name=confirmed]"))
            errors = self.driver.find_elements(By.CSS_SELECTOR, ".errorlist")
            assert not errors, (before, [e.text for e in errors])


def test_the_whole_chain_in_the_browser(browser, live_server, tmp_path):  # noqa: PLR0915
    from PIL import Image

    from accounts.roles import Role
    from delivery.models import MilestoneReport, ServiceRecord
    from delivery.selectors import opinion_survey_path
    from demo.cast import DEMO_PASSWORD, cast_build
    from evaluation.models import CommitteeMember, PerformanceEvaluation
    from finance.models import BudgetEnvelope, PaymentTranche
    from procurement.models import Bid, Contract, Need, ServiceProject, Tender
    from procurement.tasks import open_due_tenders

    photo = tmp_path / "活动照片.png"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(photo)

    with time_machine.travel(START - datetime.timedelta(days=3), tick=False) as clock:
        cast = cast_build(year=START.year)
        walk = Walk(browser, live_server.url, DEMO_PASSWORD, clock)
        community = cast.community
        resident = cast.one(Role.RESIDENT, community)
        worker = cast.one(Role.COMMUNITY, community)
        purchaser = cast.one(Role.PURCHASER)
        finance_officers = cast.by_role(Role.FINANCE)
        bidders = list(cast.social_orgs.values())[:3]

        # 1. A resident raises a need; the community accepts it.
        walk.day(0, 9)
        walk.login(resident)
        walk.get("/workspace/needs/new/")
        walk.fill(community=str(community.pk), title="老年人助餐与陪伴服务", target_group="独居老人",
                  description="小区独居老人较多，希望有人定期上门探访、帮助就餐。")
        walk.submit()
        assert Need.objects.filter(title="老年人助餐与陪伴服务").exists(), browser.find_element(
            "css selector", "main, body").text
        need = Need.objects.get(title="老年人助餐与陪伴服务")
        walk.day(0, 15)
        walk.task(worker, "需求", need.title)
        walk.fill(decision="accept")
        walk.submit()
        assert Need.objects.get(pk=need.pk).status == Need.Status.ACCEPTED

        # 2. The community designs the project on the design page (its rows prefilled).
        walk.day(1, 10)
        walk.get("/workspace/projects/new/")
        walk.fill(community=str(community.pk), purchaser=str(cast.purchaser.pk),
                  title="幸福里独居老人关爱服务项目", objectives="为独居老人提供探访、助餐和个案服务。",
                  target_groups="独居老人", needs=[str(need.pk)])
        walk.submit()
        project = ServiceProject.objects.get(title="幸福里独居老人关爱服务项目")
        assert project.status == ServiceProject.Status.SUBMITTED
        assert project.deliverables.exists() and project.budget_lines.exists()
        assert list(project.needs.all()) == [need]

        # 3. The purchaser returns it once; the community edits the design and resubmits it as
        # version 2; the purchaser sees what changed and approves.
        walk.day(2, 10)
        walk.task(purchaser, "立项审批", project.title)
        walk.fill(decision="return", comment="请写明探访频次。")
        walk.submit()
        assert ServiceProject.objects.get(pk=project.pk).status == ServiceProject.Status.RETURNED
        walk.day(2, 15)
        walk.task(worker, "修改并重新提交项目", project.title)
        walk.fill(objectives="为独居老人提供每周一次上门探访、助餐和个案服务。")
        walk.submit()
        assert project.versions.count() == 2
        walk.day(3, 9)
        walk.task(purchaser, "立项审批", project.title)
        assert "每周一次上门探访" in browser.find_element("css selector", "body").text
        walk.fill(decision="approve")
        walk.submit()
        walk.day(3, 14)
        walk.task(finance_officers[0], "预算审核", project.title)
        envelope = BudgetEnvelope.objects.get(finance_bureau=cast.finance, fiscal_year=START.year,
                                              funding_source=project.funding_source)
        walk.fill(decision="confirm", envelope=str(envelope.pk))
        walk.submit()
        project.refresh_from_db()
        assert project.status == ServiceProject.Status.BUDGET_CONFIRMED

        # 4. The purchaser publishes the tender: deadline 21 days on, criteria prefilled.
        walk.day(4, 10)
        walk.task(purchaser, "发布采购公告", project.title)
        deadline = (START + datetime.timedelta(days=25)).replace(hour=9, minute=30)
        walk.fill(method="open", bid_deadline=deadline.strftime("%Y-%m-%dT%H:%M"))
        walk.submit()
        tender = Tender.objects.get(project=project)
        assert tender.status == Tender.Status.PUBLISHED
        assert tender.bid_deadline == deadline
        assert tender.required_documents  # the standard documents are preselected

        # 5. Three social organizations bid from the tender page.
        for index, organization in enumerate(bidders):
            walk.day(6, 10, 30 * index)
            walk.login(cast.one(Role.SOCIAL_ORG, organization))
            walk.get(f"/workspace/procurement/tenders/{tender.pk}/bid/")
            price = (project.budget_amount * Decimal(("0.95", "0.97", "0.99")[index])).quantize(
                Decimal("1"))
            walk.fill(price=f"{price}", proposal=f"{organization.name}的服务方案：组建持证社工团队，"
                      "每周探访，每月小组活动。", contact_person=f"联系人{index}",
                      contact_phone=f"1390000000{index}", project_manager=f"项目主管{index}")
            # One file for each document the tender requires (投标函, 报价单 …).
            for n, kind in enumerate(tender.required_documents):
                document = tmp_path / f"{organization.pk}-{n}.pdf"
                document.write_bytes(f"%PDF-1.7\n% {organization.name} {kind}\n".encode())
                walk.fill(**{f"doc_{n}": document})
            walk.submit()
        assert Bid.objects.filter(tender=tender).count() == 3

        # 6. The deadline passes; the scheduler opens the bids (the beat task, run here).
        walk.day(25, 10)
        assert tender.pk in open_due_tenders()
        walk.task(purchaser, "组建评标委员会", project.title)
        walk.submit()
        members = list(CommitteeMember.objects.filter(committee__tender=tender)
                       .select_related("expert").order_by("pk"))
        assert len(members) >= 3

        # 7. Each expert scores every bid on the scoring page.
        walk.day(25, 14)
        for seat, member in enumerate(members):
            walk.task(member.expert, "专家评分", project.title)
            fields = {}
            for bid_index, bid in enumerate(Bid.objects.filter(tender=tender).order_by("pk")):
                for criterion in tender.criteria.exclude(kind="price"):
                    share = Decimal("0.9") - Decimal("0.05") * bid_index - Decimal("0.01") * seat
                    fields[f"score_{bid.pk}_{criterion.pk}"] = (criterion.max_score * share).quantize(
                        Decimal("0.5"))
            walk.fill(**fields)
            walk.submit()

        # 8. Award, then both parties sign.
        walk.day(26, 10)
        walk.task(purchaser, "确认中标结果", project.title)
        walk.submit()
        contract = Contract.objects.get(project=project)
        supplier_staff = cast.one(Role.SOCIAL_ORG, contract.supplier)
        walk.day(31, 10)
        walk.task(purchaser, "甲方签订合同", project.title)
        walk.fill(agree=True)
        walk.submit()
        walk.task(supplier_staff, "乙方签订合同", project.title)
        walk.fill(agree=True)
        walk.submit()
        contract.refresh_from_db()
        assert contract.status == Contract.Status.SIGNED

        # 9. Finance pays the first tranche: one officer approves, another pays.
        def pay(day: int, title: str, sequence: int) -> None:
            walk.day(day, 10)
            walk.task(finance_officers[0], title, project.title)
            walk.submit()
            walk.task(finance_officers[1], title, project.title)
            walk.fill(voucher_number=f"PZ-{START.year}-{sequence:03d}")
            walk.submit()
            assert PaymentTranche.objects.get(contract=contract, sequence=sequence).status == "paid"

        pay(32, "拨付首期资金", 1)

        # 10. A social worker records services with a photo; the community confirms them.
        social_worker = cast.one(Role.SOCIAL_WORKER, contract.supplier)
        deliverables = list(project.deliverables.order_by("pk"))
        for week, deliverable in enumerate(deliverables):
            moment = walk.day(34 + 7 * week, 18)
            walk.login(social_worker)
            walk.get(f"/workspace/delivery/contracts/{contract.pk}/records/new/")
            walk.fill(deliverable=str(deliverable.pk), served_on=moment.date().isoformat(),
                      site="幸福里社区活动中心", participants=25 if week == 0 else 1,
                      description=f"{deliverable.description}第{week + 1}次服务。", files=photo)
            walk.submit()
        records = list(ServiceRecord.objects.filter(contract=contract).order_by("pk"))
        assert len(records) == len(deliverables)
        walk.day(34 + 7 * len(deliverables), 10)
        walk.login(worker)
        for record in records:
            walk.get(f"/workspace/delivery/records/{record.pk}/")
            walk.press("form[action$='/confirm/'] button[type=submit]")
            walk.press("form[action$='/confirm/'] button[type=submit]")  # the confirmation page
        assert not ServiceRecord.objects.filter(contract=contract, confirmed_at__isnull=True).exists()

        # 11. Mid-term report and acceptance, second tranche, final report and acceptance.
        walk.day(62, 10)
        walk.task(supplier_staff, "提交中期报告", project.title)
        walk.fill(summary="已完成个案建档和首批活动，服务对象反馈良好。")
        walk.submit()
        walk.day(63, 10)
        report = MilestoneReport.objects.get(contract=contract, kind="mid_term")
        walk.login(resident)
        walk.get(opinion_survey_path(report))
        walk.fill(score="80", comment="社工每周都来，很贴心。")
        walk.submit(form="form.office-form")
        assert report.opinions.count() == 1
        walk.day(64, 10)
        walk.task(purchaser, "中期验收", project.title)
        assert "社工每周都来" in browser.find_element("css selector", "body").text
        walk.fill(decision="accept")
        walk.submit()
        pay(65, "拨付中期资金", 2)
        walk.day(92, 10)
        walk.task(supplier_staff, "提交终期报告", project.title)
        walk.fill(summary="服务产出全部完成，附服务台账。")
        walk.submit()
        walk.day(94, 10)
        walk.task(purchaser, "终期验收", project.title)
        walk.fill(decision="accept")
        walk.submit()

        # 12. The four parties evaluate; the final tranche follows the grade; the project closes.
        evaluation = PerformanceEvaluation.objects.get(contract=contract)
        walk.day(95, 10)
        scores = {"cat_budget": "9", "cat_output": "45", "cat_effect": "27", "cat_satisfaction": "9"}
        for title, user in (("购买主体绩效评价", purchaser), ("社区绩效评价", worker),
                            ("第三方专家绩效评价", evaluation.third_party_expert),
                            ("承接机构自评", supplier_staff)):
            walk.task(user, title, project.title)
            walk.fill(**scores)
            walk.submit()
        evaluation.refresh_from_db()
        assert evaluation.grade
        if PaymentTranche.objects.get(contract=contract, sequence=3).payable_amount:
            pay(97, "拨付尾款", 3)
        walk.day(99, 10)
        walk.task(purchaser, "项目结项", project.title)
        walk.submit()
        project.refresh_from_db()
        assert project.status == ServiceProject.Status.CLOSED

        # The resident follows the need they raised to its end on the tracker.
        walk.login(resident)
        walk.get(f"/workspace/procurement/needs/{need.pk}/")
        assert "结项" in browser.find_element("css selector", "body").text
        assert walk.errors == []
