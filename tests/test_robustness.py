"""Bad input everywhere: every form page and JSON API answers garbage with a clear message
(Chinese by default, the framework's English for a user who chose English), changes nothing,
and never answers 500.

The world is the one of tests/test_access_crawl.py (the 淮南 demo plus the 大通区 cast), built
once for this module. Each test loops over its cases and prints every failure before asserting.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from tests import test_access_crawl
from tests.test_access_crawl import client_for, routes

# The crawl's module-scoped world, built again (once) for this module.
crawl_world = test_access_crawl.crawl_world

pytestmark = pytest.mark.django_db

LONG = "长" * 10000
GARBAGE = {
    "long": LONG,
    "negative": "-1",
    "abc": "abc",
    "bad date": "2026-13-45",
    "5 decimals": "12.34567",
    "html": '<script>alert("x")</script><b>粗</b>',
    "huge number": "9" * 40,
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FORM = re.compile(r"<form[^>]*method=[\"']post[\"'][^>]*>(.*?)</form>", re.S | re.I)
_FIELD = re.compile(r"<(?:input|select|textarea)[^>]*\bname=[\"']([^\"']+)[\"']", re.I)


def snapshot() -> dict:
    """Return what a refused submission must leave unchanged: audit rows, states and row counts."""
    from viewflow.workflow.models import Process, Task

    from core.models import AuditEntry, StoredFile
    from delivery.models import MilestoneReport, ServiceRecord
    from evaluation.models import (
        EvaluationCommittee,
        PartyScore,
        PerformanceEvaluation,
        SatisfactionResponse,
        ScoreSheet,
    )
    from finance.models import BudgetCommitment, Payment, PaymentTranche
    from procurement.models import Award, Bid, Contract, Need, NeedSupport, ServiceProject, Tender

    with_status = [Need, ServiceProject, Tender, Bid, Contract, PaymentTranche,
                   PerformanceEvaluation, MilestoneReport, Process, Task]
    counted = [AuditEntry, NeedSupport, ServiceRecord, SatisfactionResponse, ScoreSheet,
               PartyScore, EvaluationCommittee, BudgetCommitment, Payment, Award, StoredFile]
    state = {m.__name__: sorted(m.objects.values_list("pk", "status")) for m in with_status}
    state.update({m.__name__: m.objects.count() for m in counted})
    return state


def _diff(before: dict, after: dict) -> str:
    return ", ".join(k for k in before if before[k] != after[k])


def form_fields(html: str, url: str) -> list[str]:
    """Return the field names of the page's own POST form (not the header's logout/language)."""
    best: list[str] = []
    for match in _FORM.finditer(html):
        action = re.search(r"action=[\"']([^\"']*)[\"']", match.group(0))
        if action and action.group(1) not in ("", url):
            continue
        names = [n for n in _FIELD.findall(match.group(1)) if n != "csrfmiddlewaretoken"]
        if len(names) > len(best):
            best = list(dict.fromkeys(names))
    return best


def _page_form(response):
    """Return the unbound form the page rendered (the one the crawl fills)."""
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if hasattr(value, "fields") and hasattr(value, "is_bound") and not value.is_bound:
                return value
    return None


def is_garbage(form, data: dict) -> bool:
    """Return whether at least one field of form refuses its value in data (else it is valid input)."""
    if form is None:
        return True
    query = QueryDict(mutable=True)
    query.update(data)
    for name, field in form.fields.items():
        value = field.widget.value_from_datadict(query, {}, form.add_prefix(name))
        try:
            field.clean(value)
        except ValidationError:
            return True
    return False


def _form_errors(response) -> list[str]:
    """Return the error messages of the forms in the response's context."""
    errors = []
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if hasattr(value, "errors") and hasattr(value, "is_bound") and value.is_bound:
                found = value.errors
                # A table of rows (a formset) has one error dict per row and messages of its own.
                groups = ([*found, {"": value.non_form_errors()}] if isinstance(found, list)
                          else [found])
                for group in groups:
                    for messages in group.values():
                        errors += [str(m) for m in messages]
    return list(dict.fromkeys(errors))


# ---------------------------------------------------------------------------------------------
# Which form pages exist, and who may fill them


def form_pages(world) -> list[tuple[str, str, object]]:
    """Return (what, url, user allowed to see the form) for every form page of the world."""
    from procurement.models import Bid
    from tests.test_access_crawl import _builds, _winner_staff
    from workflows.selectors import task_inbox_queryset

    cast = world.demo.cast
    b = _builds(world)
    sealed, delivery, review = b["bids_submitted"], b["in_delivery"], b["performance_review"]
    bidder = next(u for u in cast.by_role("social_org")
                  if u.has_perm("procurement.submit_bid", Bid(tender=sealed.tender)))
    pages = [
        ("bid form", f"/workspace/procurement/tenders/{sealed.tender.pk}/bid/", bidder),
        ("service record form",
         f"/workspace/delivery/contracts/{delivery.contract.pk}/records/new/",
         _winner_staff(world, delivery, "social_worker")),
        ("satisfaction survey",
         f"/workspace/evaluation/performance/{review.evaluation.pk}/satisfaction/",
         review.resident),
        ("need submission", "/workspace/needs/new/", cast.users["jm_chen"]),
        ("project design", "/workspace/projects/new/", cast.users["sq_longquan"]),
        ("password change", "/accounts/password_change/", cast.users["mz_wang"]),
    ]
    seen = set()
    for username in cast.people:
        user = cast.users[username]
        for task in task_inbox_queryset(user):
            if task.pk in seen:
                continue
            seen.add(task.pk)
            node = task.flow_task
            pages.append((f"task {node.name}", f"/workspace/tasks/{task.pk}/", user))
    return pages


def test_every_form_refuses_empty_and_garbage_input(crawl_world):
    """POST an empty body and garbage to every form: no 500, errors shown, nothing changed."""
    failures = []
    pages = form_pages(crawl_world)
    assert len(pages) >= 20
    posted = 0
    for what, url, user in pages:
        client = client_for(user)
        page = client.get(url)
        if page.status_code != 200:
            failures.append(f"{what}: {user.username} GET {url} -> {page.status_code}")
            continue
        fields = form_fields(page.content.decode(), url)
        if not fields:
            failures.append(f"{what}: GET {url} has no <form method=post> fields")
            continue
        variants = {"empty": {}} | {k: dict.fromkeys(fields, v) for k, v in GARBAGE.items()}
        form = _page_form(page)
        for variant, data in variants.items():
            if not is_garbage(form, data):
                continue  # e.g. any text is a valid comment, an empty body confirms an award
            posted += 1
            before = snapshot()
            response = client.post(url, data)
            after = snapshot()
            where = f"{what} [{variant}] {user.username} POST {url} -> {response.status_code}"
            if response.status_code >= 500:
                failures.append(where)
                continue
            if before != after:
                failures.append(f"{where}: changed {_diff(before, after)}")
            if response.status_code == 200:
                errors = _form_errors(response)
                if not errors:
                    failures.append(f"{where}: re-rendered without an error message")
                elif not any(_CJK.search(e) for e in errors):
                    failures.append(f"{where}: errors not in Chinese: {errors[:3]}")
            elif response.status_code != 302:
                failures.append(f"{where}: expected the form again (200) or a redirect")
    print(f"{posted} refused submissions posted to {len(pages)} form pages")
    print("\n".join(failures))
    assert posted > 100
    assert not failures


def test_post_only_actions_refuse_garbage(crawl_world):
    """Language switch, need support, bid withdrawal and notification actions with bad ids."""
    from procurement.models import Need
    from tests.test_access_crawl import _builds

    b = _builds(crawl_world)
    cast = crawl_world.demo.cast
    resident, bidder = cast.users["jm_chen"], cast.users["org_yangguang"]
    foreign_need = Need.objects.exclude(community__memberships__user=resident).first()
    cases = [
        (resident, "/account/language/", {"language": "klingon", "next": "https://evil.example/"}),
        (resident, "/account/language/", {"language": LONG}),
        (resident, f"/workspace/procurement/needs/{foreign_need.pk}/support/", {"x": LONG}),
        (resident, "/workspace/procurement/needs/999999/support/", {}),
        (bidder, "/workspace/procurement/bids/999999/withdraw/", {}),
        (bidder, f"/workspace/procurement/bids/{b['closed'].contract.award.bid_id}/withdraw/", {}),
        (resident, "/core/notifications/999999/read/", {"next": "javascript:alert(1)"}),
        (resident, "/core/notifications/read-all/", {"next": "//evil.example/"}),
        (resident, "/i18n/setlang/", {"language": "xx", "next": LONG}),
    ]
    failures = []
    for user, url, data in cases:
        before = snapshot()
        response = client_for(user).post(url, data)
        after = snapshot()
        where = f"{user.username} POST {url} {list(data)} -> {response.status_code}"
        if response.status_code >= 500:
            failures.append(where)
        elif before != after:
            failures.append(f"{where}: changed {_diff(before, after)}")
        location = response.get("Location", "")
        if "evil.example" in location or location.startswith("javascript:"):
            failures.append(f"{where}: open redirect to {location}")
    user = cast.users["jm_chen"]
    user.refresh_from_db()
    if user.language not in ("", "zh-hans", "en"):
        failures.append(f"language saved as {user.language[:20]!r}")
    print("\n".join(failures))
    assert not failures


def test_list_pages_survive_garbage_query_parameters(crawl_world):
    """GET every page without path parameters with garbage ?page=, ?status=, ?contract= …"""
    query = {"page": "abc", "status": "<script>", "contract": "-1", "q": LONG[:2000],
             "export": "exe", "ordering": "-no_such_field", "tender": "1e9", "year": "2026-13-45"}
    failures = []
    urls = ["/" + r.template for r in routes()
            if not r.kwargs and not r.regex and not r.template.startswith("admin/")
            and "logout" not in r.template]
    for role in ("purchaser", "finance", "social_org", "resident", "superuser"):
        client = client_for(crawl_world.users[role])
        for url in urls:
            for params in (query, {"page": "-1"}, {"page": "99999999999999999999"}):
                response = client.get(url, params)
                if response.status_code >= 500:
                    failures.append(f"{role} GET {url}?{params} -> {response.status_code}")
    print("\n".join(failures))
    assert not failures


# ---------------------------------------------------------------------------------------------
# JSON APIs


def test_json_apis_answer_garbage_with_json_4xx(crawl_world):
    """Garbage to /api/…: 4xx with a JSON body (never 500, never HTML), nothing created."""
    admin = crawl_world.users["admin"]
    purchaser = crawl_world.users["purchaser"]
    cases = [
        (purchaser, "get", "/api/procurement/tenders/999999/bids/", None),
        (purchaser, "get", "/api/procurement/tenders/999999/opening-record/", None),
        (purchaser, "get", "/api/procurement/bids/999999/", None),
        (purchaser, "get", "/api/procurement/tenders/?page=abc", None),
        (purchaser, "get", "/api/procurement/tenders/?page=-5", None),
        (purchaser, "post", "/api/procurement/tenders/", {"title": LONG}),
        (purchaser, "delete", "/api/procurement/bids/1/", None),
        (purchaser, "post", "/api/organizations/", {"name": "x"}),
        (admin, "post", "/api/organizations/", {}),
        (admin, "post", "/api/organizations/", {"name": LONG, "kind": "abc", "credit_code": "-1",
                                                "division": "abc"}),
        (admin, "post", "/api/organizations/", {"name": "<script>x</script>", "kind": "social_org",
                                                "credit_code": "9135052155323005XA",
                                                "division": "999999"}),
        (admin, "post", "/api/organizations/", "not json at all"),
        (admin, "post", "/api/organizations/", ["a", "list"]),
    ]
    failures = []
    for user, method, url, body in cases:
        client = client_for(user)
        before = snapshot()
        if isinstance(body, str):
            response = client.post(url, body, content_type="application/json")
        elif body is None:
            response = getattr(client, method)(url, HTTP_ACCEPT="application/json")
        else:
            response = getattr(client, method)(url, body, content_type="application/json")
        after = snapshot()
        where = f"{user.username} {method.upper()} {url} -> {response.status_code}"
        if response.status_code >= 500:
            failures.append(where)
            continue
        if before != after:
            failures.append(f"{where}: changed {_diff(before, after)}")
        if response.status_code < 400 and "page=" not in url:
            failures.append(f"{where}: expected 4xx")
        if response.status_code >= 400:
            if not response["Content-Type"].startswith("application/json"):
                failures.append(f"{where}: error is not JSON ({response['Content-Type']})")
            elif not _CJK.search(response.content.decode("utf-8")):
                failures.append(f"{where}: error not in Chinese: {response.content[:120]!r}")
    print("\n".join(failures))
    assert not failures


# ---------------------------------------------------------------------------------------------
# Uploads and languages


def test_upload_forms_refuse_an_executable_named_pdf(crawl_world):
    """The bid, service-record and need forms refuse an ELF named like a document or photo."""
    from django.utils import timezone

    from accounts.roles import Role
    from accounts.selectors import user_organizations

    pages = {what: (url, user) for what, url, user in form_pages(crawl_world)}
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    bid_url, bidder = pages["bid form"]
    bid = {"organization": user_organizations(bidder, Role.SOCIAL_ORG).first().pk,
           "price": "100000", "proposal": "服务方案", "files": [SimpleUploadedFile("投标文件.pdf", elf)]}
    record_url, worker = pages["service record form"]
    page = client_for(worker).get(record_url)
    deliverable = page.context["form"].fields["deliverable"].queryset.first()
    record = {"deliverable": deliverable.pk, "served_on": timezone.localdate().isoformat(),
              "site": "活动室", "participants": 10, "description": "小组活动",
              "files": [SimpleUploadedFile("签到表.pdf", elf)]}
    need_url, resident = pages["need submission"]
    need = {"community": user_organizations(resident, Role.RESIDENT).first().pk, "title": "需求",
            "category": "elderly", "target_group": "老人", "description": "描述",
            "photos": [SimpleUploadedFile("照片.jpg", elf)]}
    failures = []
    for what, url, user, data in [("bid form", bid_url, bidder, bid),
                                  ("service record form", record_url, worker, record),
                                  ("need submission", need_url, resident, need)]:
        client = client_for(user)
        if "multipart/form-data" not in client.get(url).content.decode():
            failures.append(f"{what}: the form is not multipart")
        before = snapshot()
        response = client.post(url, data)
        after = snapshot()
        message = " ".join(_form_errors(response))
        if response.status_code != 200 or before != after:
            failures.append(f"{what}: {response.status_code}, changed {_diff(before, after)}")
        elif "文件内容与扩展名不符" not in message or "可执行程序" not in message:
            failures.append(f"{what}: message {message[:200]!r}")
    print("\n".join(failures))
    assert not failures


def test_error_messages_are_chinese_by_default_and_english_for_english_users(crawl_world):
    """An empty need form: Chinese messages by default; Django's English for language "en"."""
    cast = crawl_world.demo.cast
    user = cast.users["jm_liu"]
    response = client_for(user).post("/workspace/needs/new/", {})
    errors = _form_errors(response)
    assert errors and all(_CJK.search(e) for e in errors), errors

    user.language = "en"
    user.save(update_fields=["language"])
    response = client_for(user).post("/workspace/needs/new/", {})
    errors = _form_errors(response)
    assert "This field is required." in errors, errors
    response = client_for(user).post("/accounts/password_change/", {"old_password": "x"})
    assert "This field is required." in _form_errors(response)
