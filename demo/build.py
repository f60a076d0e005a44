"""Build the whole 淮南 demo: a cast, projects resting at every stage, needs awaiting triage.

``demo_build()`` is what ``manage.py demo`` runs; ``demo_logins(cast)`` lists who can log in.
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.roles import Role
from demo.cast import ADMINS, DEMO_PASSWORD, Cast, cast_build
from demo.integrity import integrity_build
from demo.methods import methods_build
from demo.planning import planning_build
from demo.projects import PROJECTS
from demo.registry import registry_build
from demo.revisions import revision_build
from demo.stages import build_project_at_stage
from procurement.models import Need, ServiceProject
from procurement.selectors.grants import contract_grant_list, project_grant_list
from procurement.services.grants import (
    contract_grant_evaluation,
    project_grant_delegate,
    project_grant_supervision,
)
from procurement.services.needs import need_submit
from workflows.services import need_flow_start

DEMO_PLAN = [
    ("closed", 4),              # a 公开招标 walked through the whole chain to its final payment
    ("performance_review", 2),  # four parties to score, residents to answer the survey
    ("mid_term_submitted", 1),  # mid-term report waits for the purchaser
    ("in_delivery", 0),         # social workers recording services, mid-term report due
    ("in_delivery", 3),         # (another supplier's team)
    ("in_delivery", 11),        # (a third supplier's team: every social worker has a ledger)
    ("awarded", 5),             # both parties to sign; its first rank was tied and drawn (87号令 57)
    ("committee_formed", 6),    # experts scoring (all seven: no recusal applies)
    ("bids_submitted", 7),      # sealed bids, deadline ahead
    ("budget_confirmed", 8),    # purchaser to publish the tender
    ("project_approved", 9),    # finance to review the budget
    ("project_submitted", 10),  # purchaser to approve
]
# Needs waiting for triage in every community (who submits them, community, title, text …).
DEMO_NEEDS = [
    ("jm_yang", "淮滨社区", "小区加装电梯后老人出行仍有困难",
     "希望社区组织志愿者为高龄老人提供陪同出行和代办服务。", "elderly", "高龄老人"),
    ("jm_liu", "龙泉社区", "社区缺少四点半课堂", "孩子放学后无人看管，希望开设四点半课堂。",
     "children", "小学生"),
    ("jm_huang", "学院社区", "希望开展防诈骗宣传", "近期老人接到诈骗电话较多，希望社区多宣传防范知识。",
     "governance", "老年居民"),
    # So that every resident has a neighbour's need to support: one more in 龙泉, and one in
    # 淮滨 recorded by community staff from a residents' meeting (淮滨 has a single demo resident).
    ("jm_chen", "龙泉社区", "小区路灯损坏夜间出行不便", "希望社区协调修复路灯并组织志愿者夜间巡查。",
     "governance", "社区居民"),
    ("sq_huaibin", "淮滨社区", "居民希望开设老年智能手机课堂",
     "居民议事会上多位老人提出不会用手机挂号、缴费，希望社区开设培训课堂。", "elderly", "老年居民"),
]



# ---------------------------------------------------------------------------------------------
# The whole demo


@dataclass
class DemoResult:
    cast: Cast
    built: list  # ProjectBuild of the projects made by this run
    needs: list  # Need rows made by this run


def demo_build() -> DemoResult:
    """Create the 淮南 demo, or top up what a previous run did not create; safe to run again.

    A project or need is recognised by its title, so a second run creates nothing new.
    """
    cast = cast_build(district="tianjiaan")
    registry_build(cast)  # supplier registry: ratings, 年检, qualifications (demo/registry.py)
    result = DemoResult(cast=cast, built=[], needs=[])
    for stage, index in DEMO_PLAN:
        spec = PROJECTS[index]
        if (ServiceProject.objects.filter(title=spec.title).exists()
                or Need.objects.filter(title=spec.need_title).exists()):
            continue
        with transaction.atomic():
            result.built.append(build_project_at_stage(stage, cast=cast, spec=spec))
    for username, community_name, title, description, category, target in DEMO_NEEDS:
        if Need.objects.filter(title=title).exists():
            continue
        with transaction.atomic():
            need = need_submit(actor=cast.users[username],
                               community=cast.communities[community_name], title=title,
                               category=category, target_group=target, description=description)
            need_flow_start(need=need)
        result.needs.append(need)
    grants_build(cast)
    integrity_build(cast)  # a collusion signal the committee decided (87号令 37)
    methods_build(cast)  # 磋商 with a final-quote round, 邀请招标 with its invitation list
    revision_build(cast)  # the project awaiting approval was returned once and resubmitted (v2)
    planning_build(cast)  # population, 社区社会组织, volunteers against the city plan's targets
    return result


# Grants the demo shows: the 审计局 supervises the walked project, the bureau's second officer
# handles the tender about to be published (经办人), the evaluation centre assesses a contract.
DEMO_SUPERVISED = 0  # PROJECTS index
DEMO_DELEGATED = (8, "mz_li")
DEMO_EVALUATED = 2


@transaction.atomic
def grants_build(cast: Cast) -> None:
    """Grant what the demo shows, through the audited services; skip what is already granted."""
    granter = cast.users["mz_wang"]
    project = ServiceProject.objects.filter(title=PROJECTS[DEMO_SUPERVISED].title).first()
    if project is not None and cast.supervisor is not None and not any(
            row.organization == cast.supervisor for row in project_grant_list(project=project)):
        project_grant_supervision(project=project, organization=cast.supervisor, actor=granter)
    index, username = DEMO_DELEGATED
    project = ServiceProject.objects.filter(title=PROJECTS[index].title).first()
    if project is not None and not any(row.codename == "handle_serviceproject"
                                       for row in project_grant_list(project=project)):
        project_grant_delegate(project=project, user=cast.users[username], actor=granter)
    project = ServiceProject.objects.filter(title=PROJECTS[DEMO_EVALUATED].title).first()
    contract = getattr(project, "contract", None) if project is not None else None
    if contract is not None and cast.evaluator is not None and not contract_grant_list(
            contract=contract):
        contract_grant_evaluation(contract=contract, organization=cast.evaluator, actor=granter)


def demo_logins(cast: Cast) -> list[tuple[str, str, str, str]]:
    """Return (username, password, role, organization) for every demo login, admins first."""
    rows = []
    for username, real_name, is_superuser in ADMINS:
        role = "超级管理员 superuser" if is_superuser else f"{Role.ADMIN.label} admin"
        rows.append((username, DEMO_PASSWORD, role, real_name))
    for username, person in cast.people.items():
        organization = cast.org_of(username)
        role = Role(person.role)
        rows.append((username, DEMO_PASSWORD, f"{role.label} {role.value}",
                     f"{organization.name if organization else '专家库'}（{person.real_name}）"))
    return rows
