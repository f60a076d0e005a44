"""Crawl every URL pattern as every role: never a 500, anonymous visitors are sent to log in,
and staff of another organization in the same role get 404 for the first organization's objects.

The world is the 淮南 demo (田家庵区: projects resting at every stage, open tasks in every inbox)
plus the 大通区 cast (the same roles in other organizations). It is built once for the module
inside a transaction that is rolled back at the end. Each test loops over its cases, collects the
failures and prints every one of them before asserting the list is empty.
"""

import dataclasses
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

MISSING_ID = 999999


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class CrawlWorld:
    users: dict  # label -> User (None for anonymous)
    others: dict  # role label -> user of the same role in another organization
    demo: object  # demo.build.DemoResult
    datong: object  # demo.cast.Cast


def world_build() -> CrawlWorld:
    """Build the 淮南 demo and the 大通区 cast; return the users the crawl logs in as."""
    from demo.build import demo_build
    from demo.cast import cast_build
    from demo.projects import PROJECTS
    from demo.stages import build_project_at_stage

    demo = demo_build()
    datong = cast_build(district="datong")
    cast = demo.cast
    # A project whose mid-term tranche waits at finance (the demo plan has none at that stage).
    spec = dataclasses.replace(PROJECTS[3], title=PROJECTS[3].title + "（二期）",
                               need_title=PROJECTS[3].need_title + "（二期）")
    with transaction.atomic():
        demo.built.append(build_project_at_stage("mid_term_accepted", cast=cast, spec=spec))
    u = cast.users
    from accounts.models import User

    users = {
        "anonymous": None,
        "resident": u["jm_chen"],
        "community": u["sq_longquan"],
        "purchaser": u["mz_wang"],
        "finance": u["cz_zhao"],
        "social_org": u["org_yangguang"],
        "social_worker": u["sg_lin"],
        "expert": u["zj_qian"],
        "admin": User.objects.get(username="operator"),
        "superuser": User.objects.get(username="admin"),
    }
    d = datong.users
    others = {
        "resident": d["dt_jm"],
        "community": d["dt_sq"],
        "purchaser": d["dt_mz"],
        "finance": d["dt_cz"],
        "social_org": d["dt_org"],
        "social_worker": d["dt_sg"],
    }
    return CrawlWorld(users=users, others=others, demo=demo, datong=datong)


@pytest.fixture(scope="module")
def crawl_world(django_db_setup, django_db_blocker):
    """Build the world once for the module; roll it back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield world_build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# URL patterns


@dataclass
class Route:
    template: str  # e.g. "workspace/procurement/bids/{pk}/"
    name: str  # namespaced name, e.g. "procurement:bid-detail"
    kwargs: list  # parameter names in order
    regex: bool  # the pattern holds a regular expression we fill by hand

    @property
    def kind(self) -> str:
        if self.template.startswith("admin/"):
            return "admin"
        if self.template.startswith("api/"):
            return "api"
        if self.template.startswith("workspace/") or self.template.startswith("core/"):
            return "office"
        return "public"


_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>[a-z_]+)>")


def routes() -> list[Route]:
    """Return every URL pattern of the project (recursively), as fillable templates."""
    found = []

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            text = str(p.pattern)
            regex = text.startswith("^") or "(?P<" in text
            if isinstance(p, URLResolver):
                ns = namespace + (f"{p.namespace}:" if p.namespace else "")
                walk(p, prefix + text, ns)
            elif isinstance(p, URLPattern):
                template = prefix + text
                names = [m.group("name") for m in _PARAM.finditer(template)]
                names += re.findall(r"\(\?P<([a-z_]+)>", template)
                template = _PARAM.sub(lambda m: "{" + m.group("name") + "}", template)
                found.append(Route(template=template, name=namespace + (p.name or ""),
                                   kwargs=names, regex=regex or "(?P<" in template))

    walk(get_resolver(), "", "")
    return found


def _admin_model(route: Route):
    """Return the model of an admin page from its URL (admin/<app_label>/<model_name>/...)."""
    parts = route.template.split("/")
    try:
        return apps.get_model(parts[1], parts[2])
    except (LookupError, IndexError, ValueError):
        return None


def _object_model(route: Route, kwarg: str):
    """Return the model whose ids fill kwarg of route (None when the kwarg is not an id)."""
    from accounts.models import Division, ExpertProfile, Organization, OrganizationIdentityChange
    from core.models import Notification, StoredFile
    from delivery.models import MilestoneReport, ServiceRecord
    from evaluation.models import PerformanceEvaluation, ScoreItem
    from finance.models import BudgetEnvelope
    from procurement.models import (
        Bid,
        BidFlag,
        BidIntake,
        BidReceipt,
        Challenge,
        Contract,
        ContractTeamChange,
        Need,
        ServiceProject,
        Tender,
        TenderQuestion,
    )

    t = route.template
    if route.kind == "admin" and kwarg in ("object_id", "id"):
        return _admin_model(route)
    if kwarg != "pk":
        return None
    from api.models import ApiToken
    from evaluation.models import CommitteeMember

    table = [
        ("/committee-seats/", CommitteeMember), ("api/v1/tokens/", ApiToken),
        ("/needs/", Need), ("/projects/", ServiceProject), ("/tenders/", Tender),
        ("/bids/", Bid), ("/bid-intakes/", BidIntake), ("delivery/contracts/", Contract), ("/contracts/", Contract),
        ("/performance/", PerformanceEvaluation), ("notifications/", Notification),
        ("files/", StoredFile), ("/questions/", TenderQuestion), ("/challenges/", Challenge),
        ("/identity-changes/", OrganizationIdentityChange), ("/organizations/", Organization),
        ("/receipts/", BidReceipt), ("/flags/", BidFlag), ("/team-changes/", ContractTeamChange),
        ("/experts/", ExpertProfile), ("/envelopes/", BudgetEnvelope), ("/registry/", Organization),
        ("/scores/items/", ScoreItem), ("delivery/records/", ServiceRecord),
        ("delivery/milestones/", MilestoneReport), ("plan/communities/", Division),
    ]
    for fragment, model in table:
        if fragment in "/" + t:
            return model
    raise AssertionError(f"no model for {t} {kwarg}")


def fill(route: Route, limit: int = 1) -> list[tuple[str, object]]:
    """Return (url, object) pairs for route: real ids of the right kind, plus a missing id."""
    from viewflow.workflow.models import Task

    if route.template.startswith("^static") or route.name == "admin:":
        return []
    if route.name == "admin:app_list":
        return [("/admin/procurement/", None), ("/admin/nosuchapp/", None)]
    if route.name == "admin:view_on_site":
        return [("/admin/r/999999/999999/", None)]
    if route.name == "password_reset_confirm":
        return [("/accounts/reset/MQ/abc-def/", None)]
    if not route.kwargs:
        return [("/" + route.template, None)]
    pairs: list[tuple[dict, object]] = []
    if route.kwargs == ["task_pk"]:
        tasks = Task.objects.filter(status="NEW").order_by("-pk")[:limit]
        pairs = [({"task_pk": t.pk}, t) for t in tasks] + [({"task_pk": MISSING_ID}, None)]
    elif len(route.kwargs) > 1:  # e.g. bids/{pk}/files/{file_pk}/delete/: missing ids only
        pairs = [(dict.fromkeys(route.kwargs, MISSING_ID), None)]
    else:
        (kwarg,) = route.kwargs
        model = _object_model(route, kwarg)
        if model is None:
            return []
        manager = model._default_manager
        objects = {o.pk: o for o in [*manager.order_by("-pk")[:limit], *manager.order_by("pk")[:1]]}
        pairs = [({kwarg: o.pk}, o) for o in objects.values()] + [({kwarg: MISSING_ID}, None)]
    return [("/" + route.template.format(**kw), obj) for kw, obj in pairs]


# ---------------------------------------------------------------------------------------------
# Tests

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "community", "purchaser", "finance", "social_org",
         "social_worker", "expert", "admin", "superuser"]


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response.get("Location", "")


# Roles that also crawl the missing ids of the admin pages; the others crawl only their real
# objects' admin pages.
FULL_CRAWL = {"anonymous", "superuser"}


def _cases():
    return [(r, url, obj) for r in routes() for url, obj in fill(r)]


def test_every_url_as_every_role_never_500(crawl_world):
    """GET every URL as each role; anonymous back-office visitors are sent to log in."""
    failures = []
    cases = _cases()
    assert len(cases) > 250
    assert any(r.name == "workflows:task" and obj for r, _u, obj in cases)
    for role in ROLES:
        client = client_for(crawl_world.users[role])
        for route, url, _obj in cases:
            if role not in FULL_CRAWL and _sampled_out(route, url):
                continue
            response = client.get(url)
            status = response.status_code
            if status >= 500:
                failures.append(f"{role:13} GET {url} -> {status}")
                continue
            if role == "anonymous":
                failures += _anonymous_failures(route, url, response)
    print("\n".join(failures))
    assert not failures


MISSING_ID_TEXT = f"/{MISSING_ID}/"


def _sampled_out(route, url) -> bool:
    """Return whether a role outside FULL_CRAWL skips url (an admin page's missing id)."""
    return route.kind == "admin" and MISSING_ID_TEXT in url

# Downloads answer 404 to anonymous visitors too (they never reveal that an object exists).
ANONYMOUS_404 = {"evaluation:contract-pdf", "evaluation:performance-report-pdf",
                 "core:file-download"}


def _anonymous_failures(route, url, response) -> list[str]:
    status = response.status_code
    where = f"{'anonymous':13} GET {url} -> {status}"
    if route.kind == "office":
        if route.name in ANONYMOUS_404 and status == 404:
            return []
        if status == 405 or _is_login_redirect(response):
            return []
        return [f"{where} (expected a redirect to log in)"]
    if route.kind == "admin":
        if status == 200 and route.name not in ("admin:login", "admin:jsi18n"):
            return [f"{where} (admin page open to anonymous)"]
        return []
    # The partner API's public reads (/api/v1/public/, docs/api.md) are open on purpose.
    public = route.name == "api-schema" or route.template.startswith("api/v1/public/")
    if route.kind == "api" and not public and status not in (401, 403):
        return [f"{where} (expected 401/403)"]
    return []


# Cross-organization denial -----------------------------------------------------------------------


def _builds(world) -> dict:
    builds = {}
    for build in world.demo.built:
        builds.setdefault(build.stage, build)
    return builds


def _winner_staff(world, build, role):
    return world.demo.cast.one(role, build.contract.supplier)


def object_cases(world) -> list[tuple[str, str, object, object]]:
    """Return (what, url, user of the owning organization, same-role user of another one)."""
    from procurement.models import Bid

    b = _builds(world)
    o = world.others
    closed, sealed = b["closed"], b["bids_submitted"]
    delivery, review, paying = b["in_delivery"], b["performance_review"], b["mid_term_accepted"]
    purchaser = closed.purchaser_staff
    supplier = _winner_staff(world, closed, "social_org")
    worker = _winner_staff(world, delivery, "social_worker")
    contract, evaluation = closed.contract, closed.evaluation
    record = delivery.records[0]
    sealed_bid = next(iter(sealed.bids.values()))
    sealed_bidder = world.demo.cast.one("social_org", sealed_bid.organization)
    won_bid = Bid.objects.get(tender=closed.tender, organization=contract.supplier)
    cases = [
        ("need", f"/workspace/procurement/needs/{closed.need.pk}/", closed.resident, o["resident"]),
        ("need", f"/workspace/procurement/needs/{closed.need.pk}/", closed.community_staff,
         o["community"]),
        ("project", f"/workspace/procurement/projects/{closed.project.pk}/", purchaser,
         o["purchaser"]),
        ("project", f"/workspace/procurement/projects/{closed.project.pk}/",
         closed.community_staff, o["community"]),
        ("project", f"/workspace/procurement/projects/{closed.project.pk}/", closed.finance_staff,
         o["finance"]),
        ("project", f"/workspace/procurement/projects/{closed.project.pk}/", supplier,
         o["social_org"]),
        ("sealed bid", f"/workspace/procurement/bids/{sealed_bid.pk}/", sealed_bidder,
         o["social_org"]),
        ("sealed bid api", f"/api/procurement/bids/{sealed_bid.pk}/", sealed_bidder,
         o["social_org"]),
        ("opened bid", f"/workspace/procurement/bids/{won_bid.pk}/", purchaser, o["purchaser"]),
        ("opened bid", f"/workspace/procurement/bids/{won_bid.pk}/", supplier, o["social_org"]),
        ("opened bid api", f"/api/procurement/bids/{won_bid.pk}/", purchaser, o["purchaser"]),
        ("contract", f"/workspace/procurement/contracts/{contract.pk}/", purchaser,
         o["purchaser"]),
        ("contract", f"/workspace/procurement/contracts/{contract.pk}/", supplier,
         o["social_org"]),
        ("contract pdf", f"/workspace/evaluation/contracts/{contract.pk}/contract.pdf", purchaser,
         o["purchaser"]),
        ("contract pdf", f"/workspace/evaluation/contracts/{contract.pk}/contract.pdf", supplier,
         o["social_org"]),
        ("delivery progress", f"/workspace/evaluation/contracts/{contract.pk}/delivery/", purchaser,
         o["purchaser"]),
        ("delivery progress", f"/workspace/evaluation/contracts/{contract.pk}/delivery/",
         closed.community_staff, o["community"]),
        ("delivery progress", f"/workspace/evaluation/contracts/{contract.pk}/delivery/", supplier,
         o["social_org"]),
        ("service record form", f"/workspace/delivery/contracts/{delivery.contract.pk}/records/new/",
         worker, o["social_worker"]),
        ("service record", f"/workspace/delivery/records/{record.pk}/", worker,
         o["social_worker"]),
        ("service record", f"/workspace/delivery/records/{record.pk}/",
         delivery.community_staff, o["community"]),
        ("opinion qr code",
         f"/workspace/delivery/milestones/{closed.reports['mid_term'].pk}/opinion-qr.svg",
         purchaser, o["purchaser"]),
        ("service record confirmation", f"/workspace/delivery/records/{record.pk}/confirm/",
         delivery.community_staff, o["community"]),
        ("performance evaluation", f"/workspace/evaluation/performance/{evaluation.pk}/",
         purchaser, o["purchaser"]),
        ("performance evaluation", f"/workspace/evaluation/performance/{evaluation.pk}/",
         closed.community_staff, o["community"]),
        ("performance evaluation", f"/workspace/evaluation/performance/{evaluation.pk}/",
         supplier, o["social_org"]),
        ("performance report pdf", f"/workspace/evaluation/performance/{evaluation.pk}/report.pdf",
         purchaser, o["purchaser"]),
        ("performance report pdf", f"/workspace/evaluation/performance/{evaluation.pk}/report.pdf",
         closed.community_staff, o["community"]),
        ("satisfaction survey",
         f"/workspace/evaluation/performance/{review.evaluation.pk}/satisfaction/",
         review.resident, o["resident"]),
    ]
    cases += task_cases(world, paying)
    return cases


def task_cases(world, paying) -> list[tuple[str, str, object, object]]:
    """Return a case per open task (its page) with an inbox user and a user who may not do it."""
    from workflows.selectors import task_inbox_queryset

    cast = world.demo.cast
    inbox = {}  # task pk -> (task, first user holding it)
    for username, person in cast.people.items():
        user = cast.users[username]
        for task in task_inbox_queryset(user):
            inbox.setdefault(task.pk, (task, user, person.role))
    experts = cast.by_role("expert")
    cases = []
    tranche_task = False
    for task, user, role in inbox.values():
        if role == "expert":
            other = next(e for e in experts if not task_inbox_queryset(e).filter(pk=task.pk))
        else:
            other = world.others[role]
        node = task.flow_task
        flow = "need" if node.flow_class.__name__ == "NeedFlow" else "serviceproject"
        tranche_task |= node.name == "pay_second" and task.process.coerced.project_id == (
            paying.project.pk)
        cases.append((f"task {flow}.{node.name}", f"/workspace/tasks/{task.pk}/", user, other))
    assert tranche_task, "no open payment-tranche task in the world"
    assert len(inbox) >= 10
    return cases


def test_other_organization_gets_404(crawl_world):
    """Same role, another organization: 404 (never 403, never 200) on the first one's objects."""
    failures = []
    clients = {}

    def get(user, url):
        if user.pk not in clients:
            clients[user.pk] = client_for(user)
        return clients[user.pk].get(url)

    cases = object_cases(crawl_world)
    for what, url, owner, other in cases:
        own = get(owner, url).status_code
        if own != 200:
            failures.append(f"{what}: {owner.username} (owner side) GET {url} -> {own}, expected 200")
        theirs = get(other, url).status_code
        if theirs != 404:
            failures.append(f"{what}: {other.username} (other organization) GET {url} -> {theirs}, "
                            "expected 404")
    print("\n".join(failures))
    assert not failures


# viewflow's own pages ------------------------------------------------------------------------


def _evaluator(world):
    """Return staff of the demo's third-party evaluation organization (the demo has none)."""
    from accounts.models import User
    from accounts.services.memberships import membership_grant

    cast = world.demo.cast
    user, _created = User.objects.get_or_create(username="pg_crawl",
                                                defaults={"real_name": "评估机构职员"})
    membership_grant(user=user, organization=cast.evaluator, role="evaluator", actor=cast.admin)
    return user


def test_viewflow_pages_answer_404_to_every_role(crawl_world):
    """Every page viewflow's workflow viewsets would mount, with real ids: 404 for everyone.

    The pages are enumerated from viewflow's own URL resolver for our flows
    (tests/workflows/test_viewflow_routes.py), so a new node's pages are crawled too.
    """
    from tests.workflows.test_viewflow_routes import viewflow_routes, viewflow_urls

    users = {**crawl_world.users, "evaluator": _evaluator(crawl_world),
             **{f"other {role}": user for role, user in crawl_world.others.items()}}
    cases = [(route, url, obj) for route in viewflow_routes()
             for url, obj in viewflow_urls(route, limit=1)]
    with_object = [c for c in cases if c[2] is not None]
    assert len(with_object) > 200
    assert any("/score/" in url for _r, url, _o in with_object)
    failures = []
    for label, user in users.items():
        client = client_for(user)
        for _route, url, obj in cases:
            if obj is None and label not in FULL_CRAWL:
                continue
            status = client.get(url).status_code
            if status != 404:
                failures.append(f"{label:20} GET {url} -> {status}, expected 404")
    print("\n".join(failures))
    assert not failures


def test_bidders_do_not_see_the_committee_before_the_result(crawl_world):
    """While the experts score, no page a bidder opens names a committee member."""
    from django.urls import reverse
    from viewflow.workflow.models import Process

    from procurement.models import Bid
    from tests.workflows.test_viewflow_routes import viewflow_routes, viewflow_urls

    build = _builds(crawl_world)["committee_formed"]
    experts = [m.expert for m in build.committee.members.select_related("expert")]
    secrets = {text for e in experts for text in (e.real_name, e.username) if text}
    assert secrets
    process = Process.objects.get(serviceprojectprocess__project=build.project)
    flow_urls = [url for route in viewflow_routes() for url, obj in viewflow_urls(route, limit=50)
                 if obj is not None and process.pk in (obj.pk, getattr(obj, "process_id", None))]
    assert len(flow_urls) > 10
    bids = list(Bid.objects.filter(tender=build.tender).select_related("organization"))
    assert bids
    failures, shown = [], 0
    for bid in bids:
        bidder = crawl_world.demo.cast.one("social_org", bid.organization)
        client = client_for(bidder)
        urls = ["/workspace/", reverse("procurement:tender-list"),
                reverse("procurement:tender-detail", args=[build.tender.pk]),
                reverse("procurement:bid-detail", args=[bid.pk]),
                reverse("procurement:project-detail", args=[build.project.pk]),
                reverse("portal:tender-detail", args=[build.tender.pk]), *flow_urls]
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                continue
            shown += 1
            body = response.content.decode()
            leaked = sorted(s for s in secrets if s in body)
            if leaked:
                failures.append(f"{bidder.username} GET {url} shows {leaked}")
    assert shown >= 3 * len(bids)  # the inbox, the tender and the bid pages at least
    print("\n".join(failures))
    assert not failures


# Roles outside every project ------------------------------------------------------------------


def _outsider_roles(world) -> dict:
    """Return users who stand outside every demo project until someone grants them one."""
    from accounts.models import Organization
    from accounts.roles import Role
    from accounts.services.memberships import membership_grant
    from tests.factories import OrganizationFactory, UserFactory

    cast = world.demo.cast
    auditor_org = OrganizationFactory(supervisor=True, name="田家庵区审计局（巡查）",
                                      division=cast.district)
    auditor = UserFactory(username="sj_crawl")
    membership_grant(user=auditor, organization=auditor_org, role=Role.SUPERVISOR,
                     actor=cast.admin)
    assert auditor_org.kind == Organization.Kind.SUPERVISOR
    return {
        "admin": world.users["admin"],
        "superuser": world.users["superuser"],
        "evaluator": _evaluator(world),
        "supervisor": auditor,
    }


def test_roles_outside_every_project_get_404_on_every_object_and_task_page(crawl_world):
    """Platform admin, superuser, an ungranted 纪检/审计 body and third party: 404 everywhere.

    Then a supervision grant on the closed project opens exactly that project's read pages to
    the supervisor, and a third-party grant its contract to the evaluator, and nothing else.
    """
    from procurement.services.grants import contract_grant_evaluation, project_grant_supervision

    outsiders = _outsider_roles(crawl_world)
    cases = object_cases(crawl_world)
    failures = []
    for label, user in outsiders.items():
        client = client_for(user)
        for what, url, _owner, _other in cases:
            status = client.get(url).status_code
            if status != 404:
                failures.append(f"{what}: {label} GET {url} -> {status}, expected 404")

    closed = _builds(crawl_world)["closed"]
    project_grant_supervision(project=closed.project, organization=outsiders["supervisor"]
                              .memberships.get().organization, actor=closed.purchaser_staff)
    contract_grant_evaluation(contract=closed.contract,
                              organization=crawl_world.demo.cast.evaluator,
                              actor=closed.purchaser_staff)
    granted = {
        "supervisor": {f"/workspace/procurement/projects/{closed.project.pk}/",
                       f"/workspace/procurement/contracts/{closed.contract.pk}/",
                       f"/workspace/evaluation/performance/{closed.evaluation.pk}/"},
        "evaluator": {f"/workspace/procurement/contracts/{closed.contract.pk}/",
                      f"/workspace/evaluation/performance/{closed.evaluation.pk}/"},
    }
    for label, readable in granted.items():
        client = client_for(outsiders[label])
        for url in readable:
            status = client.get(url).status_code
            if status != 200:
                failures.append(f"granted {label} GET {url} -> {status}, expected 200")
        for what, url, _owner, _other in cases:
            if url in readable or "/projects/" in url and label == "supervisor" and (
                    str(closed.project.pk) in url):
                continue
            if url.startswith("/workspace/tasks/") or "/records/new/" in url or "/confirm/" in url or (
                    "satisfaction" in url):
                status = client.get(url).status_code  # acting pages stay closed to grantees
                if status != 404:
                    failures.append(f"{what}: granted {label} GET {url} -> {status}, "
                                    "expected 404 (read-only grant)")
    print("\n".join(failures))
    assert not failures
