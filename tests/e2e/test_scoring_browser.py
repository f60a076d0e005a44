"""Headless chromium, at a phone's 390 px: an expert types scores on the scoring page, sees the
running totals follow, reviews the totals and ranking, and confirms (issue 8 item 4)."""

from decimal import Decimal

import pytest

from tests.e2e.test_browser import _console_errors, _wait_for, click

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _page_errors(driver) -> list:
    # A form answered on its own page comes back 422 under Turbo (viewflow's middleware), which
    # chromium logs as a failed resource; that is the protocol, not a script error.
    return [e for e in _console_errors(driver)
            if not (e.get("source") == "network" and "422" in e["message"])]


def test_expert_types_scores_sees_running_totals_and_confirms_on_a_phone(browser, live_server):
    from selenium.webdriver.common.by import By
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import STATUS

    from demo.cast import DEMO_PASSWORD, cast_build
    from demo.stages import build_project_at_stage
    from evaluation.models import ScoreSheet
    from evaluation.rules import price_scores
    from procurement.services.final_quotes import final_prices
    from workflows.flows import ServiceProjectFlow

    cast = cast_build()
    build = build_project_at_stage("committee_formed", cast=cast)
    process = Process.objects.get(serviceprojectprocess__project=build.project)
    task = Task.objects.filter(process=process, flow_task=ServiceProjectFlow.score,
                               status=STATUS.ASSIGNED).order_by("pk").first()
    expert = task.owner
    tender = build.tender
    bids = sorted(build.bids.values(), key=lambda b: b.pk)
    price = next(c for c in tender.criteria.all() if c.kind == "price")
    prices = price_scores(final_prices(tender, bids), price.max_score)

    browser.set_window_size(390, 900)
    browser.get(f"{live_server.url}/accounts/login/?next=/workspace/tasks/{task.pk}/")
    username = _wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "input[name=username]"))
    username[0].send_keys(expert.username)
    browser.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(DEMO_PASSWORD)
    click(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert _wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "form.score-form")), (
        browser.current_url, browser.page_source[:1000])
    browser.get_log("browser")  # the login page is not the scoring page

    def total(bid) -> str:
        return browser.find_element(
            By.CSS_SELECTOR, f"#bid-{bid.pk} output[data-total-for='{bid.pk}']").text

    def wide() -> bool:
        return browser.execute_script(
            "return document.documentElement.scrollWidth > window.innerWidth")

    assert not wide()
    assert total(bids[0]) == str(prices[bids[0].pk])  # nothing typed yet: the price score
    typed = {}
    for n, bid in enumerate(bids):
        inputs = browser.find_elements(By.CSS_SELECTOR, f"input.score-input[data-bid='{bid.pk}']")
        assert inputs
        for i, field in enumerate(inputs):
            value = Decimal(10 + i) - n
            field.send_keys(str(value))
            typed[(bid.pk, i)] = value
        expected = sum((v for (pk, _i), v in typed.items() if pk == bid.pk), prices[bid.pk])
        assert _wait_for(lambda bid=bid, expected=expected: total(bid) == f"{expected:.2f}"), (
            total(bid), expected)
        # Every input is a comfortable touch target on the phone.
        assert all(f.size["height"] >= 44 for f in inputs)
    # Over the criterion's maximum: marked, and left out of the running total.
    first = browser.find_element(By.CSS_SELECTOR, f"input.score-input[data-bid='{bids[0].pk}']")
    before = total(bids[0])
    first.clear()
    first.send_keys("999")
    assert _wait_for(lambda: first.get_attribute("aria-invalid") == "true")
    assert Decimal(total(bids[0])) == Decimal(before) - typed[(bids[0].pk, 0)]
    first.clear()
    first.send_keys(str(typed[(bids[0].pk, 0)]))
    assert _wait_for(lambda: total(bids[0]) == before)
    assert not wide()
    assert _page_errors(browser) == []

    # Submitting shows the review; nothing is stored until it is confirmed.
    click(browser, browser.find_element(By.CSS_SELECTOR, "form.score-form button[type=submit]"))
    assert _wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "tr.score-review-row"))
    assert not ScoreSheet.objects.filter(member__expert=expert, status="submitted").exists()
    assert not wide()
    review = browser.find_elements(By.CSS_SELECTOR, "tr.score-review-row")
    assert len(review) == len(bids)
    click(browser, browser.find_element(By.CSS_SELECTOR, "button[name=confirmed]"))
    # Back in the inbox once stored (the live server's database is read only after it answers).
    assert _wait_for(lambda: f"/workspace/tasks/{task.pk}/" not in browser.current_url)
    assert ScoreSheet.objects.filter(member__expert=expert, status="submitted").count() == len(bids)
    assert _page_errors(browser) == []
