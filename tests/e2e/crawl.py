"""Walk the back office in a real browser as one user and collect what a phone or a desk finds wrong.

The pages are discovered, not listed: the workspace home, its menu, every inbox task (one per
step), then every link inside the pages' main content, one page per URL pattern (a list's second
object looks like its first). GET only: forms are never submitted and links to downloads, the
portal, the admin site and the API are not followed. The same function runs in the test
(tests/e2e/test_crawl.py, against the live server) and by hand against a running server:

    .venv/bin/python -m tests.e2e.crawl http://127.0.0.1:8000 mz_wang sq_longquan 'demo2026!'

(each user's home, inbox steps and menu pages are checked as that user; the users in one run
share the other URL patterns, each checked once; CRAWL_MENU_PER_ROLE=0 shares the menu's too).
"""

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

DESK = (1366, 900)
PHONE = (390, 844)
TOUCH_MIN = 44  # px, WCAG 2.5.5 / Apple HIG minimum touch target

# Back-office paths; everything else (the portal, /admin/, /api/, files) is not crawled.
BACK_OFFICE = re.compile(r"^/(workspace|core/notifications|account)/")
TASK = re.compile(r"^/workspace/tasks/\d+/")
# Downloads and state changes reached by a link: not pages.
NOT_A_PAGE = re.compile(r"(\.pdf|\.svg|\.png|\.json|\.csv|\.xlsx|/pdf/|/files/|/download|/read/"
                        r"|/read-all/|/logout)", re.IGNORECASE)

# One script measures everything a page is asked (after it loads, and again with the menu open).
PAGE_FACTS = r"""
const visible = (el) => {
  if (!el.isConnected) return false;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return false;
  const s = getComputedStyle(el);
  return s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
};
const label = (el) => (el.tagName.toLowerCase()
  + (el.id ? '#' + el.id : '')
  + (el.name ? '[name=' + el.name + ']' : '')
  + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"');
// A link inside running text (a sentence, a table cell with other words) is exempt from the
// touch size; a link standing alone (a button-like action, a pager) is not.
const inRunningText = (a) => {
  if (a.matches('.mdc-button, .mdc-list-item, .mdc-icon-button, [role=button]')) return false;
  const block = a.closest('p, li, td, th, dd, dt, span, label, small, h1, h2, h3, h4, div');
  if (!block) return false;
  const own = (a.innerText || '').trim().length;
  const all = (block.innerText || '').trim().length;
  return all > own + 1;
};
const targets = [];
const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
for (const el of document.querySelectorAll(selector)) {
  if (!visible(el) || el.closest('[aria-hidden=true], [hidden]')) continue;
  if (el.matches('a') && inRunningText(el)) continue;
  let height = el.getBoundingClientRect().height;
  // A checkbox or radio is hit through its label or its margins (a Material one, its touch area).
  if (el.matches('input[type=checkbox], input[type=radio]')) {
    const s = getComputedStyle(el);
    const box = el.closest('label, .mdc-checkbox, .mdc-radio');
    height = Math.max(height + parseFloat(s.marginTop) + parseFloat(s.marginBottom),
                      box ? box.getBoundingClientRect().height : 0);
  }
  if (height + 0.5 < arguments[0]) targets.push(label(el) + ' ' + Math.round(height) + 'px');
}
const skip = document.querySelector('a.skip-link[href^="#"]');
const nav = performance.getEntriesByType('navigation')[0];
return {
  status: nav ? nav.responseStatus : 0,
  contentType: document.contentType,
  title: document.title,
  h1: document.querySelectorAll('h1').length,
  skip: !!(skip && document.getElementById(skip.getAttribute('href').slice(1))),
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  small: targets,
  icons: [...document.querySelectorAll('i.material-icons, span.material-icons')]
    .filter((i) => !i.closest('[aria-hidden=true]') && !i.hasAttribute('aria-label'))
    .map((i) => i.textContent.trim()),
};
"""

LINKS = r"""
const main = document.querySelector('main') || document.body;
if (!main) return [];  // not an HTML page (an image the browser shows)
return [...main.querySelectorAll('a[href]')]
  .filter((a) => !a.hasAttribute('download'))
  .map((a) => a.href);
"""


@dataclass
class Page:
    url: str
    key: str  # the URL pattern (or the task's step) this page stands for


@dataclass
class CrawlReport:
    username: str
    pages: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    def fail(self, page, width, message):
        self.failures.append(f"{self.username} {width}px {urlsplit(page.url).path}: {message}")


def wait_for(predicate, timeout=10, interval=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def resize(driver, size) -> int:
    """Resize the window and wait until the page sees the new width; return the width."""
    driver.set_window_size(*size)
    wait_for(lambda: driver.execute_script("return window.innerWidth") == size[0], timeout=5)
    return driver.execute_script("return window.innerWidth")


def login(driver, base_url, username, password):
    """Log in through the login form; return whether the workspace answered."""
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{base_url}/accounts/login/?next=/workspace/")
    field_ = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "input[name=username]"))
    field_[0].send_keys(username)
    driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(password)
    button = driver.find_element(By.CSS_SELECTOR, "form button[type=submit]")
    driver.execute_script("arguments[0].click();", button)
    ok = wait_for(lambda: "/accounts/login/" not in driver.current_url, timeout=20)
    driver.get_log("browser")  # the login page is not a back-office page
    return bool(ok)


def pattern_key(path: str) -> str | None:
    """Return the URL pattern a back-office path stands for, or None when it is not a page."""
    from django.urls import Resolver404, resolve

    if not BACK_OFFICE.match(path) or NOT_A_PAGE.search(path):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.view_name


def console_errors(driver) -> list:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def crawl_pages(driver, base_url, report: CrawlReport, seen: set, width: int,
                menu_per_user=False, limit=60):
    """Visit and check the user's pages at the current width, discovering them as it goes.

    The home and the inbox's tasks (one per step) are checked for every user; the menu's pages
    (with menu_per_user) too. Every other page is found through the links inside the pages' main
    content, one per URL pattern not in seen: a set the caller shares between users, so that on
    a 2-core machine a pattern is checked once, by the first user who reaches it.
    """
    from selenium.webdriver.common.by import By

    queue = []
    own = set()

    def offer(url, key=None, mine=False):
        parts = urlsplit(urldefrag(url)[0])
        if parts.netloc != urlsplit(base_url).netloc:
            return
        if TASK.match(parts.path) and key is None:
            return  # tasks are reached through the inbox, one per step
        key = key or pattern_key(parts.path)
        if key is None or key in own or (not mine and key in seen):
            return
        own.add(key)
        if not mine:
            seen.add(key)
        # The query (?page=2, ?sort=…, ?status=…) is the same page: crawl the path.
        queue.append(Page(url=f"{base_url}{parts.path}", key=key))

    driver.get(f"{base_url}/workspace/")
    offer(f"{base_url}/workspace/", mine=True)
    for a in driver.find_elements(By.CSS_SELECTOR, "aside.vf-page__menu a.office-nav[href]"):
        offer(a.get_attribute("href"), mine=menu_per_user)
    # Every step waiting in the inbox is its own page (one task per step).
    for row in driver.find_elements(By.CSS_SELECTOR, "tr.inbox-task"):
        links = row.find_elements(By.CSS_SELECTOR, "a[href*='/workspace/tasks/']")
        step = row.find_elements(By.CSS_SELECTOR, ".task-title")
        if links:
            offer(links[0].get_attribute("href"), mine=True,
                  key="task: " + (step[0].text if step else links[0].get_attribute("href")))
    index = 0
    while index < len(queue) and index < limit:
        page = queue[index]
        index += 1
        check_page(driver, page, width, report)
        for href in driver.execute_script(LINKS):
            offer(href)
    report.pages = queue[:limit]


def check_page(driver, page: Page, width: int, report: CrawlReport):
    """Load the page at the window's current width and record every failure."""
    from selenium.webdriver.common.by import By

    driver.get_log("browser")  # what the previous page left behind is not this page's
    driver.get(page.url)
    facts = driver.execute_script(PAGE_FACTS, TOUCH_MIN if width <= PHONE[0] else 0)
    if facts["status"] not in (200, 0):
        report.fail(page, width, f"HTTP {facts['status']}")
        return
    if not facts["contentType"].startswith("text/html"):
        return
    if facts["h1"] != 1:
        report.fail(page, width, f"{facts['h1']} <h1> (want exactly one)")
    if not facts["skip"]:
        report.fail(page, width, "no skip link to the main content")
    if facts["scrollWidth"] > facts["innerWidth"]:
        report.fail(page, width, f"page {facts['scrollWidth']}px wide in a "
                                 f"{facts['innerWidth']}px window")
    if facts["icons"]:
        report.fail(page, width, f"icons not aria-hidden: {sorted(set(facts['icons']))}")
    if width <= PHONE[0]:
        if facts["small"]:
            report.fail(page, width, f"touch targets under {TOUCH_MIN}px: {facts['small'][:8]}"
                                     + (f" (+{len(facts['small']) - 8})"
                                        if len(facts["small"]) > 8 else ""))
        toggle = driver.find_elements(By.CSS_SELECTOR, "button.mdc-top-app-bar__navigation-icon")
        drawer = driver.find_elements(By.CSS_SELECTOR, "aside.vf-page__menu")
        if not toggle or not drawer:
            report.fail(page, width, "no ☰ menu")
        else:
            driver.execute_script("arguments[0].click();", toggle[0])
            if not wait_for(lambda: "mdc-drawer--open" in drawer[0].get_attribute("class"),
                            timeout=3):
                report.fail(page, width, "☰ does not open the menu")
            else:
                # The menu's own entries, now that they show, are touch targets too.
                menu = driver.execute_script(PAGE_FACTS, TOUCH_MIN)["small"]
                menu = [m for m in menu if m not in facts["small"]]
                if menu:
                    report.fail(page, width, f"menu targets under {TOUCH_MIN}px: {menu[:8]}")
    errors = console_errors(driver)
    if errors:
        report.fail(page, width, f"console errors: {errors[:3]}")


def crawl_user(driver, base_url, username, password, seen=None,
               menu_per_user=False) -> CrawlReport:
    """Log in as username; find and check its pages at 1366 px, then check them at 390 px."""
    report = CrawlReport(username=username)
    resize(driver, DESK)
    if not login(driver, base_url, username, password):
        report.failures.append(f"{username}: login failed")
        return report
    crawl_pages(driver, base_url, report, set() if seen is None else seen, DESK[0],
                menu_per_user=menu_per_user)
    width = resize(driver, PHONE)
    for page in report.pages:
        check_page(driver, page, width, report)
    return report


def main(argv):  # pragma: no cover - by hand against a running server
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from tests.e2e.conftest import chromium_start

    base_url, password, usernames = argv[1], argv[-1], argv[2:-1]
    driver, cleanup = chromium_start()
    seen = set()
    try:
        for username in usernames:
            started = time.monotonic()
            report = crawl_user(driver, base_url, username, password, seen,
                                menu_per_user=os.environ.get("CRAWL_MENU_PER_ROLE", "1") != "0")
            print(f"== {username}: {len(report.pages)} pages in "
                  f"{time.monotonic() - started:.0f}s")
            for page in report.pages:
                print("   ", page.key)
            for failure in report.failures:
                print("  ✗", failure)
    finally:
        cleanup()


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv)


def check_portal_page(driver, url) -> list:
    """Load a public portal page at the current width; return its failures (no ☰ expected)."""
    driver.get_log("browser")
    driver.get(url)
    width = driver.execute_script("return window.innerWidth")
    facts = driver.execute_script(PAGE_FACTS, TOUCH_MIN if width <= PHONE[0] else 0)
    lang = driver.execute_script("return document.documentElement.lang")
    where = f"portal {width}px {urlsplit(url).path}"
    failures = []
    if facts["status"] not in (200, 0):
        return [f"{where}: HTTP {facts['status']}"]
    if facts["h1"] != 1:
        failures.append(f"{where}: {facts['h1']} <h1> (want exactly one)")
    if not facts["skip"]:
        failures.append(f"{where}: no skip link to the main content")
    if lang not in ("zh-Hans", "zh-hans"):
        failures.append(f"{where}: <html lang={lang!r}> (want zh-Hans)")
    if facts["scrollWidth"] > facts["innerWidth"]:
        failures.append(f"{where}: page {facts['scrollWidth']}px wide")
    if facts["icons"]:
        failures.append(f"{where}: icons not aria-hidden: {sorted(set(facts['icons']))}")
    if width <= PHONE[0] and facts["small"]:
        failures.append(f"{where}: touch targets under {TOUCH_MIN}px: {facts['small'][:8]}")
    errors = console_errors(driver)
    if errors:
        failures.append(f"{where}: console errors: {errors[:3]}")
    return failures
