"""Every back-office page of every demo role, at 1366 px and at 390 px, in headless Chromium
(issue 8, acceptance and items 6 and 9), and the portal's pages for an anonymous visitor.

The world is the full 淮南 demo (``manage.py demo``: projects at every stage, tasks in every
inbox). The pages are discovered from the menu, the inbox and the links (tests/e2e/crawl.py), so
a page added tomorrow is crawled tomorrow. Every role's home, inbox steps and menu pages
are checked as that role (a list shows each role its own rows, columns and actions); a page
found through a link inside the content is checked once per URL pattern, by the first role that
reaches it (CRAWL_MENU_PER_ROLE=0 checks menu pages once too: faster, for a quick local run).
Every failure of every page
is collected and printed before the one assertion.
"""

import os

import pytest

from tests.e2e.crawl import DESK, PHONE, check_portal_page, crawl_user, resize

# serialized_rollback: the data migrations (divisions, holidays) come back after each flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# One user per demo role (demo/cast.py, demo/build.py ADMINS).
ROLE_USERS = ["mz_wang", "cz_zhao", "sq_longquan", "org_yangguang", "sg_lin", "zj_qian",
              "jm_chen", "sj_han", "pg_fang", "operator"]


def test_every_page_of_every_role_and_the_portal_on_a_desk_and_a_phone(browser, live_server):
    from demo.build import demo_build
    from demo.cast import DEMO_PASSWORD
    from procurement.models import Contract, Tender

    demo_build()  # once for both halves: the demo is the slowest part after the pages
    seen, failures, crawled = set(), [], {}
    for username in ROLE_USERS:
        report = crawl_user(browser, live_server.url, username, DEMO_PASSWORD, seen,
                            menu_per_user=os.environ.get("CRAWL_MENU_PER_ROLE", "1") != "0")
        crawled[username] = [page.key for page in report.pages]
        failures.extend(report.failures)

    # The portal, for an anonymous visitor: its lists and one page per detail pattern.
    browser.delete_all_cookies()
    tender = Tender.objects.filter(status=Tender.Status.PUBLISHED).order_by("pk").first()
    contract = Contract.objects.filter(status=Contract.Status.SIGNED).order_by("pk").first()
    paths = ["/", "/portal/tenders/", "/portal/awards/", "/portal/contracts/",
             "/portal/performance/", "/portal/needs/declined/",
             f"/portal/tenders/{tender.pk}/", f"/portal/contracts/{contract.pk}/"]
    for size in (DESK, PHONE):
        resize(browser, size)
        for path in paths:
            failures.extend(check_portal_page(browser, live_server.url + path))

    print("\n".join(failures))
    assert failures == []
    # The crawl found what it is meant to find (a menu or an inbox that lost its entries does not).
    patterns = {key for keys in crawled.values() for key in keys}
    assert len(patterns) >= 25, sorted(patterns)
    # Every role saw its own pages: its home and at least one menu page besides.
    assert all(len(keys) >= 2 for keys in crawled.values()), crawled
    assert sum(len(keys) for keys in crawled.values()) >= 40, crawled
    assert any(key.startswith("task: ") for key in crawled["mz_wang"]), crawled["mz_wang"]
