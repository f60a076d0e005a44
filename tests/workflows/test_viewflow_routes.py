"""viewflow's own workflow pages stay closed: none is mounted, each of them answers 404.

``viewflow_routes()`` builds viewflow's workflow viewsets for our flows exactly as
``workflows/site.py`` used to mount them under /workspace/workflow/ and walks their URL resolver,
so a new flow node's pages are enumerated too. ``test_access_crawl.py`` GETs every one of them as
every role on the demo world; this module checks that the live URL conf mounts none of them (nor
any other viewflow page besides the login pages), that their POST actions change nothing for a
superuser, a platform admin or the task's holder, and who ``can_view_process`` lets see a process.
"""

import functools
import re
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.urls import Site
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from workflows.flows import NeedFlow, ServiceProjectFlow

FLOWS = (NeedFlow, ServiceProjectFlow)
# viewflow's URL name of each flow ("serviceproject"), which FlowViewset reads from the class.
FLOW_APP_NAMES = {cls: cls.__name__.removesuffix("Flow").lower() for cls in FLOWS}
FLOW_BY_APP_NAME = {name: cls for cls, name in FLOW_APP_NAMES.items()}
PREFIX = "workspace/workflow/"
_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@dataclass(frozen=True)
class ViewflowRoute:
    template: str  # "workspace/workflow/flows/serviceproject/{process_pk}/score/{task_pk}/cancel/"
    name: str  # "workflow:flows:serviceproject:score:cancel"
    kwargs: tuple  # ("process_pk", "task_pk")

    @property
    def node(self) -> str | None:
        """Return "<flow app name>:<node name>" for a task page, else None."""
        match = re.search(r"flows/(\w+)/\{process_pk\}/(\w+)/\{task_pk\}/", self.template)
        return f"{match[1]}:{match[2]}" if match else None

    @property
    def action(self) -> str:
        """Return the last part of the name: index, detail, cancel, assign, process_list, …"""
        return self.name.rsplit(":", 1)[-1]


# The names of viewflow's views that change a task or a process when POSTed.
ACTIONS = {"cancel", "undo", "revive", "assign", "unassign", "execute", "process_cancel",
           "tasks_assign", "tasks_unassign"}


@contextmanager
def _former_workflow_app():
    """Yield viewflow's workflow app as site.py mounted it; undo what it sets on the flow classes."""
    saved = {cls: {k: cls.__dict__[k] for k in ("parent", "app_name") if k in cls.__dict__}
             for cls in FLOWS}
    for cls, name in FLOW_APP_NAMES.items():
        cls.app_name = name  # mounting a FlowViewset clears it
    try:
        yield WorkflowAppViewset(flow_viewsets=[FlowViewset(cls) for cls in FLOWS])
    finally:
        for cls, attrs in saved.items():
            for key in ("parent", "app_name"):
                if key in attrs:
                    setattr(cls, key, attrs[key])
                elif key in cls.__dict__:
                    delattr(cls, key)


@functools.cache
def viewflow_routes() -> tuple[ViewflowRoute, ...]:
    """Return every route viewflow's workflow viewsets mount for our flows under /workspace/workflow/."""
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern),
                     namespace + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                template = prefix + str(p.pattern)
                found.append(ViewflowRoute(
                    template=_PARAM.sub(lambda m: "{" + m[1] + "}", template),
                    name=namespace + (p.name or ""),
                    kwargs=tuple(_PARAM.findall(template)),
                ))

    with _former_workflow_app() as app:
        patterns, app_name, _namespace = app.urls
        walk(patterns, PREFIX, f"{app_name}:")
    return tuple(found)


def viewflow_urls(route: ViewflowRoute, *, limit: int = 2) -> list[tuple[str, object]]:
    """Return (url, task or process) pairs filling route with real ids, plus missing ids."""
    if not route.kwargs:
        return [("/" + route.template, None)]
    pairs: list[tuple[dict, object]] = []
    if route.node:
        flow_name, node_name = route.node.split(":")
        node = getattr(FLOW_BY_APP_NAME[flow_name], node_name)
        tasks = [*Task.objects.filter(flow_task=node, status=STATUS.NEW).order_by("-pk")[:limit],
                 *Task.objects.filter(flow_task=node).exclude(status=STATUS.NEW)
                 .order_by("-pk")[:limit]]
        pairs = [({"process_pk": t.process_id, "task_pk": t.pk}, t) for t in tasks]
    elif route.kwargs == ("process_pk",):
        flow_class = FLOW_BY_APP_NAME[route.template.split("/")[3]]
        processes = Process.objects.filter(flow_class=flow_class).order_by("-pk")[:limit]
        pairs = [({"process_pk": p.pk}, p) for p in processes]
    pairs.append((dict.fromkeys(route.kwargs, 999999), None))
    return [("/" + route.template.format(**kw), obj) for kw, obj in pairs]


# ---------------------------------------------------------------------------------------------
# The live URL conf mounts no viewflow workflow page


# viewflow pages that are mounted on purpose: the login and password pages of
# viewflow.contrib.auth.AuthViewset (config/urls.py), open to everyone by design.
ACCOUNTED_VIEWFLOW_ROUTES = {
    "accounts/login/": "login",
    "accounts/logout/": "logout",
    "accounts/password_change/": "password_change",
    "accounts/password_change/done/": "password_change_done",
    "accounts/password_reset/": "password_reset",
    "accounts/password_reset/done/": "password_reset_done",
    "accounts/reset/<uidb64>/<token>/": "password_reset_confirm",
    "accounts/reset/done/": "password_reset_complete",
}


def _view_module(callback) -> str:
    view = getattr(callback, "view_class", None) or callback
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return getattr(view, "__module__", "") or ""


def mounted_viewflow_routes() -> dict[str, str]:
    """Return {path: name} of every live route served by viewflow or shaped like its flow pages."""
    found = {}

    def walk(patterns, prefix, namespace, in_viewset):
        for p in patterns:
            if isinstance(p, URLResolver):
                # viewflow mounts a viewset's pages through a resolver that carries the viewset;
                # the site (workflows.site) carries our own pages.
                viewset = getattr(p, "extra", {}).get("viewset")
                walk(p.url_patterns, prefix + str(p.pattern),
                     namespace + (f"{p.namespace}:" if p.namespace else ""),
                     in_viewset or (viewset is not None and not isinstance(viewset, Site)))
            elif isinstance(p, URLPattern):
                path = prefix + str(p.pattern)
                name = namespace + (p.name or "")
                flow_shaped = "process_pk" in path or (
                    "task_pk" in path and name != "workflows:task")
                if in_viewset or flow_shaped or _view_module(p.callback).startswith("viewflow."):
                    found[path] = name

    walk(get_resolver().url_patterns, "", "", False)
    return found


def test_enumeration_covers_every_node_and_viewflow_action():
    """The enumeration is not empty: every node of both flows has its pages, every action is there."""
    routes = viewflow_routes()
    assert len(routes) > 250
    names = {r.name for r in routes}
    for flow_class, app_name in FLOW_APP_NAMES.items():
        for node in flow_class.instance.nodes():
            assert f"workflow:flows:{app_name}:{node.name}:index" in names, node.name
        for view in ("index", "process_list", "process_detail", "process_cancel", "task_list",
                     "chart", "process_chart"):
            assert f"workflow:flows:{app_name}:{view}" in names
    assert {"workflow:inbox", "workflow:queue", "workflow:archive", "workflow:tasks_assign",
            "workflow:tasks_unassign"} <= names
    assert {r.action for r in routes if r.node} >= {"cancel", "undo", "revive", "assign",
                                                    "unassign", "detail", "execute"}


def test_no_viewflow_workflow_page_is_mounted():
    """The only viewflow pages in the URL conf are its login pages; a new one must be accounted for."""
    mounted = mounted_viewflow_routes()
    unaccounted = {path: name for path, name in mounted.items()
                   if ACCOUNTED_VIEWFLOW_ROUTES.get(path) != name}
    assert not unaccounted, (
        f"{len(unaccounted)} viewflow pages are mounted: close them (404) or route them through "
        "the platform's checks and an audited service, then list them in "
        f"ACCOUNTED_VIEWFLOW_ROUTES: {sorted(unaccounted.items())[:10]}"
    )
    live = {"/" + path for path in mounted}
    assert not any(url.startswith("/" + PREFIX) for url in live)


def test_the_guard_sees_viewflow_pages_when_they_are_mounted(settings):
    """Mounting viewflow's workflow app again makes the guard above fail (it can fail)."""
    from django.urls import clear_url_caches, include, path

    from tests.workflows import remounted_urls

    with _former_workflow_app() as app:
        remounted_urls.urlpatterns = [path("workspace/", include([path("workflow/", app.urls)]))]
        settings.ROOT_URLCONF = "tests.workflows.remounted_urls"
        clear_url_caches()
        try:
            mounted = mounted_viewflow_routes()
        finally:
            clear_url_caches()
    assert len(mounted) == len(viewflow_routes())
    assert "workspace/workflow/flows/serviceproject/<int:process_pk>/cancel/" in mounted


# ---------------------------------------------------------------------------------------------
# Who sees a process; nobody manages one through viewflow


@pytest.fixture
def scoring(db):
    """A demo district whose project waits for the experts' scores, and a rival district."""
    from demo.cast import cast_build
    from demo.stages import build_project_at_stage

    cast = cast_build()
    other = cast_build(district="datong")
    build = build_project_at_stage("committee_formed", cast=cast)
    process = Process.objects.get(serviceprojectprocess__project=build.project)
    return cast, other, build, process


def _evaluator(cast):
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services.memberships import membership_grant

    user = User.objects.create_user(username="pg_staff", password="x-Very-long-pass-1",
                                    real_name="评估机构职员")
    membership_grant(user=user, organization=cast.evaluator, role=Role.EVALUATOR, actor=cast.admin)
    return user


def _bidder(cast, build):
    return cast.one("social_org", next(iter(build.bids.values())).organization)


def test_process_is_seen_by_those_it_names_only(scoring, django_assert_num_queries):
    """Purchaser, finance and the committee see the scoring process; bidders, admins, rivals do not."""
    from accounts.models import User
    from workflows.permissions import can_view_process

    cast, other, build, process = scoring
    experts = [m.expert for m in build.committee.members.all()]
    allowed = {"purchaser": build.purchaser_staff, "finance": build.finance_staff,
               **{f"expert {e.username}": e for e in experts}}
    refused = {
        "bidder": _bidder(cast, build),
        "community": build.community_staff,  # no task of this process is the community's yet
        "resident": build.resident,
        "social_worker": cast.one("social_worker"),
        "evaluator": _evaluator(cast),
        "expert off the committee": next(e for e in cast.by_role("expert") if e not in experts),
        "admin": User.objects.get(username="operator"),
        "superuser": User.objects.get(username="admin"),
        "other district purchaser": other.one("purchaser"),
        "other district finance": other.one("finance"),
    }
    for label, user in allowed.items():
        assert can_view_process(user, process), label
        assert ServiceProjectFlow.instance.has_view_permission(user, process), label
    for label, user in refused.items():
        decision = can_view_process(user, process)
        assert not decision and decision.reason, label
        assert not ServiceProjectFlow.instance.has_view_permission(user, process), label
    purchaser = build.purchaser_staff
    with django_assert_num_queries(1):  # memberships are cached on the user
        can_view_process(purchaser, process)
    # No flow-wide list for anyone; nobody manages a process through viewflow.
    for user in [*allowed.values(), *refused.values()]:
        for flow_class in FLOWS:
            assert not flow_class.instance.has_view_permission(user)
            assert not flow_class.instance.has_manage_permission(user, process)


def test_need_process_is_seen_by_its_community_only(scoring):
    from workflows.permissions import can_view_process

    cast, other, build, _process = scoring
    need_process = Process.objects.get(needprocess__need=build.need)
    assert can_view_process(build.community_staff, need_process)
    assert NeedFlow.instance.has_view_permission(build.community_staff, need_process)
    for user in (build.resident, build.purchaser_staff, other.one("community"), cast.admin):
        assert not can_view_process(user, need_process)


def test_supplier_sees_the_process_once_a_task_names_it(db):
    """After the award the winner signs: its staff then see the process, the other bidders never."""
    from demo.cast import cast_build
    from demo.stages import build_project_at_stage
    from workflows.permissions import can_view_process

    cast = cast_build()
    build = build_project_at_stage("awarded", cast=cast)
    process = Process.objects.get(serviceprojectprocess__project=build.project)
    winner = build.contract.supplier
    assert can_view_process(cast.one("social_org", winner), process)
    losers = [bid.organization for bid in build.bids.values() if bid.organization != winner]
    assert losers
    for organization in losers:
        assert not can_view_process(cast.one("social_org", organization), process)


def test_anonymous_and_inactive_users_see_nothing(scoring):
    from django.contrib.auth.models import AnonymousUser

    from workflows.permissions import can_view_process

    _cast, _other, build, process = scoring
    assert not can_view_process(AnonymousUser(), process)
    assert not can_view_process(None, process)
    purchaser = build.purchaser_staff
    purchaser.is_active = False
    assert not can_view_process(purchaser, process)


# ---------------------------------------------------------------------------------------------
# viewflow's actions POSTed by a superuser, a platform admin and the task's holder change nothing


def _snapshot() -> dict:
    from core.models import AuditEntry
    from procurement.models import Need, ServiceProject

    return {
        "tasks": list(Task.objects.order_by("pk").values_list(
            "pk", "status", "owner_id", "owner_permission", "owner_permission_obj_pk", "finished")),
        "processes": list(Process.objects.order_by("pk").values_list("pk", "status", "finished")),
        "projects": list(ServiceProject.objects.order_by("pk").values_list("pk", "status")),
        "needs": list(Need.objects.order_by("pk").values_list("pk", "status")),
        "audit": AuditEntry.objects.count(),
    }


def test_viewflow_actions_answer_404_and_change_nothing(scoring):
    """cancel, undo, revive, assign, unassign, execute, process cancel and the bulk actions: 404."""
    from accounts.models import User

    _cast, _other, build, process = scoring
    score_task = Task.objects.filter(process=process, flow_task=ServiceProjectFlow.score,
                                     status=STATUS.ASSIGNED).order_by("pk").first()
    assert score_task is not None
    holders = {
        "superuser": User.objects.get(username="admin"),
        "admin": User.objects.get(username="operator"),
        "expert (task holder)": score_task.owner,
        "purchaser (process participant)": build.purchaser_staff,
    }
    cases = [(route, url) for route in viewflow_routes() if route.action in ACTIONS
             for url, _obj in viewflow_urls(route, limit=1)]
    assert sum(1 for route, url in cases if "/score/" in url and "999999" not in url) >= 6
    before = _snapshot()
    failures = []
    for label, user in holders.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for _route, url in cases:
            data = {"_continue": "1", "tasks": [score_task.pk], "pk": [score_task.pk]}
            status = client.post(url, data).status_code
            if status != 404:
                failures.append(f"{label} POST {url} -> {status}")
    assert not failures, "\n".join(failures)
    assert _snapshot() == before
    # The chain's own task page still serves the seat's expert.
    client = Client()
    client.force_login(score_task.owner)
    assert client.get(f"/workspace/tasks/{score_task.pk}/").status_code == 200


def test_admin_shows_tasks_and_processes_read_only(scoring):
    """viewflow's admin no longer lets a superuser edit or delete a chain task or process."""
    _cast, _other, _build, process = scoring
    from accounts.models import User

    task = Task.objects.filter(process=process, flow_task=ServiceProjectFlow.score).first()
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="admin"))
    before = _snapshot()
    assert client.get(f"/admin/viewflow/task/{task.pk}/change/").status_code == 200
    change = client.post(f"/admin/viewflow/task/{task.pk}/change/",
                         {"owner_permission": "workflows.role_admin", "data": "{}"})
    assert change.status_code == 403
    for url in (f"/admin/viewflow/task/{task.pk}/delete/",
                f"/admin/viewflow/process/{process.pk}/delete/"):
        assert client.post(url, {"post": "yes"}).status_code == 403, url
    assert _snapshot() == before


@pytest.mark.django_db
def test_migration_takes_back_the_model_wide_process_view_permission():
    """The role groups lose view_serviceprojectprocess / view_needprocess (granted on migrate before)."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import ensure_role_groups

    revoke = import_module("workflows.migrations.0002_revoke_process_view_permissions").revoke
    groups = ensure_role_groups()
    perms = Permission.objects.filter(content_type__app_label="workflows",
                                      codename__in=["view_serviceprojectprocess", "view_needprocess"])
    assert perms.count() == 2
    for role in ("purchaser", "expert"):
        groups[role].permissions.add(*perms)
    revoke(apps, None)
    for group in Group.objects.all():
        assert not group.permissions.filter(pk__in=perms).exists(), group.name
