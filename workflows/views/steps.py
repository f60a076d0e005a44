"""One step class per human task: the form it shows and the one service it calls."""

from decimal import Decimal
from functools import cached_property

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, OrganizationRating, Qualification
from accounts.roles import Role
from accounts.selectors import user_organizations
from core.templatetags.money import money
from core.widgets import DateInput, DateTimeInput
from delivery.models import MilestoneReport, ServiceRecord
from delivery.selectors import opinion_summary, opinion_survey_path
from delivery.services.milestones import milestone_accept, milestone_return, milestone_submit
from evaluation.models import CommitteeMember, PerformanceEvaluation
from evaluation.rules import RankRow, q2, rank_bids
from evaluation.selectors import ScoringPage, delivery_achievement, scoring_page_for_user
from evaluation.services.committees import committee_form
from evaluation.services.performance import output_achievement, party_score_submit
from evaluation.services.scoring import scores_submit
from evaluation.services.ties import tender_ties, tie_draw
from finance.models import BudgetEnvelope, PaymentTranche
from finance.services.budget import budget_confirm, budget_reject
from finance.services.tranches import tranche_approve, tranche_pay
from office.fields import SafeModelMultipleChoiceField, preselect_single_choices
from office.formsets import FormsetsMixin
from procurement.forms.criteria import (  # noqa: F401 (DEFAULT_CRITERIA: tests import it here)
    DEFAULT_CRITERIA,
    CriteriaFormSet,
    check_criteria_total,
    default_criteria,
    with_price,
)
from procurement.models import BID_DOCUMENT_KINDS, Bid, Need, NeedCategory, Tender, TenderCriterion
from procurement.rules import split_purchase_warning
from procurement.selectors import bid_flag_list_for_user
from procurement.selectors.versions import project_version_diff, project_version_list
from procurement.services.awards import award_confirm
from procurement.services.contracts import contract_sign
from procurement.services.final_quotes import final_prices
from procurement.services.needs import need_accept, need_decline, need_merge
from procurement.services.projects import (
    PROJECT_REVISABLE,
    project_approve,
    project_close,
    project_return,
    project_revise,
    project_submit,
)
from procurement.services.tenders import tender_cancel, tender_publish
from workflows.views.start import ProjectDesignForm

STEPS: dict[tuple[str, str], type["Step"]] = {}


def step(flow_name: str, *node_names: str):
    """Register a step class for the nodes of a flow."""

    def decorator(cls):
        for name in node_names:
            STEPS[(flow_name, name)] = cls
        return cls

    return decorator


def step_for(task) -> type["Step"]:
    """Return the step class of a task (KeyError when the node has no page)."""
    return STEPS[(task.flow_task.flow_class.__name__, task.flow_task.name)]


class ConfirmForm(forms.Form):
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AwardConfirmForm(ConfirmForm):
    late_reason = forms.CharField(
        label=_("逾期定标理由（收到评审报告超过5个工作日确定中标人时必填）"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))


class Step:
    """A task page: build the form, describe the subject, perform the service."""

    form_class: type[forms.Form] = ConfirmForm
    submit_label = _("提交")
    # An irreversible step names its consequence; the page asks for a second, explicit
    # confirmation (a page of its own, so it works without JavaScript) before the service runs.
    confirm_message = None
    # A step whose page needs more than the common task page names its own template, which
    # extends workflows/task.html or copies its frame (TaskView.render); likewise its own
    # confirmation page, which extends workflows/task_confirm.html (its ``entered`` block).
    template_name = None
    # Optional choice fields preselected when they offer one row (required ones always are).
    single_choices: tuple[str, ...] = ()
    confirm_template_name = None

    def __init__(self, *, task, user):
        self.task = task
        self.user = user
        self.process = task.process.coerced

    @property
    def project(self):
        return getattr(self.process, "project", None)

    def form_kwargs(self) -> dict:
        return {}

    def make_form(self, data=None):
        form = self.form_class(data=data, **self.form_kwargs())
        preselect_single_choices(form, optional=self.single_choices)
        return form

    def summary(self) -> list[tuple[str, object]]:
        project = self.project
        if project is None:
            return []
        return [
            (_("项目编号"), project.code),
            (_("项目名称"), project.title),
            (_("设计社区"), project.community),
            (_("购买主体"), project.purchaser),
            (_("项目预算（元）"), project.budget_amount),
            (_("当前状态"), project.get_status_display()),
        ]

    def confirmation(self, form) -> str | None:
        """Return the consequence the confirmation page names for this valid submission; None
        when the step needs no confirmation (a step whose choices differ in their consequence
        names each one)."""
        return self.confirm_message

    def confirm_label(self, form) -> str | None:
        """Return the confirming button's label; None: "确认" and the submit label."""
        return None

    def perform(self, data: dict, form=None) -> None:
        raise NotImplementedError


def _decision_form(choices, *, reason_required_for=()):
    class DecisionForm(forms.Form):
        decision = forms.ChoiceField(label=_("处理结果"), choices=choices, widget=forms.RadioSelect)
        comment = forms.CharField(label=_("意见/理由"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

        def clean(self):
            cleaned = super().clean()
            if cleaned.get("decision") in reason_required_for and not cleaned.get("comment", "").strip():
                self.add_error("comment", _("请填写理由。"))
            return cleaned

    return DecisionForm


# --- needs -------------------------------------------------------------------------------------


class NeedTriageForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"), widget=forms.RadioSelect,
        choices=[("accept", _("采纳")), ("merge", _("合并到其他需求")), ("decline", _("不予采纳"))],
    )
    into = forms.ModelChoiceField(label=_("合并至"), queryset=None, required=False)
    reason = forms.CharField(label=_("处理意见（不予采纳时必填，将公开）"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, need, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Need.objects.filter(
            community_id=need.community_id,
            status__in=[Need.Status.SUBMITTED, Need.Status.ACCEPTED],
        ).exclude(pk=need.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "merge" and not cleaned.get("into"):
            self.add_error("into", _("请选择要合并到的需求。"))
        if cleaned.get("decision") == "decline" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("不予采纳须说明理由。"))
        return cleaned


@step("NeedFlow", "triage")
class NeedTriageStep(Step):
    form_class = NeedTriageForm

    @property
    def need(self):
        return self.process.need

    def form_kwargs(self):
        return {"need": self.need}

    def summary(self):
        need = self.need
        return [
            (_("需求标题"), need.title), (_("类别"), need.get_category_display()),
            (_("服务对象"), need.target_group), (_("所在社区"), need.community),
            (_("需求描述"), need.description), (_("提交人"), need.submitted_by),
        ]

    def perform(self, data, form=None):
        need, reason = self.need, data.get("reason", "")
        if data["decision"] == "accept":
            need_accept(need=need, actor=self.user, reason=reason)
        elif data["decision"] == "merge":
            need_merge(need=need, into=data["into"], actor=self.user, reason=reason)
        else:
            need_decline(need=need, actor=self.user, reason=reason)


# --- project approval and budget ---------------------------------------------------------------


class ProjectApproveForm(_decision_form([("approve", _("同意立项")), ("return", _("退回修改"))],
                                        reason_required_for=("return",))):
    """Approve or return; approving under a 化整为零 warning needs the acknowledgement ticked."""

    def __init__(self, *args, split_warning=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.split_warning = split_warning
        if split_warning:
            self.fields["split_warning_acknowledged"] = forms.BooleanField(
                label=_("我已知悉并确认不属于化整为零规避公开招标"), required=False)

    def clean(self):
        cleaned = super().clean()
        if (self.split_warning and cleaned.get("decision") == "approve"
                and not cleaned.get("split_warning_acknowledged")):
            self.add_error("split_warning_acknowledged", _("同意立项前请确认本项目不属于化整为零。"))
        return cleaned


class _ProjectVersionsMixin:
    """The project's design versions and what the last submission changed (task page section)."""

    template_name = "workflows/task_project_versions.html"

    @cached_property
    def versions(self) -> list:
        return list(project_version_list(project=self.project))

    @cached_property
    def version_diff(self):
        versions = self.versions
        return project_version_diff(versions[-2], versions[-1]) if len(versions) > 1 else None


@step("ServiceProjectFlow", "approve")
class ProjectApproveStep(_ProjectVersionsMixin, Step):
    form_class = ProjectApproveForm

    @cached_property
    def split_warning(self):
        return split_purchase_warning(project=self.project)

    def form_kwargs(self):
        return {"split_warning": self.split_warning}

    def summary(self):
        project = self.project
        rows = super().summary() + [
            (_("项目目标"), project.objectives), (_("服务对象"), project.target_groups),
            (_("预算年度"), project.fiscal_year), (_("资金来源"), project.get_funding_source_display()),
            (_("服务周期（月）"), project.duration_months),
        ]
        rows += [(_("产出"), f"{d} × {money(d.unit_price)}") for d in project.deliverables.all()]
        rows += [(_("预算"), f"{b.get_category_display()} {money(b.amount)}")
                 for b in project.budget_lines.all()]
        return rows

    def perform(self, data, form=None):
        if data["decision"] == "approve":
            project_approve(project=self.project, actor=self.user, comment=data.get("comment", ""),
                            split_warning_acknowledged=bool(data.get("split_warning_acknowledged")))
        else:
            project_return(project=self.project, actor=self.user, reason=data["comment"])


@step("ServiceProjectFlow", "revise")
class ProjectReviseStep(_ProjectVersionsMixin, Step):
    """The designing community edits the returned project and resubmits it as a new version.

    Returned by the purchaser (立项审批) or by the finance bureau (预算审核): both come here.
    """

    form_class = ProjectDesignForm
    submit_label = _("修改后重新提交")

    def form_kwargs(self):
        return {"user": self.user, "project": self.project}

    def make_form(self, data=None):
        form = super().make_form(data)
        # The designing community and the purchaser are the flow's roles: project_revise keeps them.
        for name in ("community", "purchaser"):
            if name in form.fields:
                form.fields[name].disabled = True
        return form

    def summary(self):
        return super().summary() + [(_("退回意见"), self.project.return_reason)]

    def perform(self, data, form=None):
        changes = {key: value for key, value in data.items() if key in PROJECT_REVISABLE}
        if "needs" in changes:
            changes["needs"] = list(changes["needs"])
        project_revise(project=self.project, actor=self.user, **changes)
        project_submit(project=self.project, actor=self.user)


class BudgetReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结果"), widget=forms.RadioSelect,
                                 choices=[("confirm", _("确认预算")), ("reject", _("退回"))])
    envelope = forms.ModelChoiceField(label=_("年度预算额度"), queryset=None, required=False)
    comment = forms.CharField(label=_("审核意见/退回理由"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["envelope"].queryset = BudgetEnvelope.objects.filter(
            finance_bureau__in=user_organizations(user, Role.FINANCE),
            fiscal_year=project.fiscal_year, funding_source=project.funding_source,
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "confirm" and not cleaned.get("envelope"):
            self.add_error("envelope", _("请选择预算额度。"))
        if cleaned.get("decision") == "reject" and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("退回须说明理由。"))
        return cleaned


@step("ServiceProjectFlow", "budget_review")
class BudgetReviewStep(ProjectApproveStep):
    form_class = BudgetReviewForm
    single_choices = ("envelope",)
    split_warning = None  # shown to the purchaser on approval and tender publication only

    def form_kwargs(self):
        return {"project": self.project, "user": self.user}

    def perform(self, data, form=None):
        if data["decision"] == "confirm":
            budget_confirm(project=self.project, envelope=data["envelope"], actor=self.user,
                           comment=data.get("comment", ""))
        else:
            budget_reject(project=self.project, actor=self.user, reason=data["comment"])


# --- procurement -------------------------------------------------------------------------------

# What a bid must carry unless the purchaser states otherwise (招标文件 投标文件组成).
DEFAULT_REQUIRED_DOCUMENTS = ("投标函", "报价单", "服务方案", "资格证明文件")


class TenderPublishForm(FormsetsMixin, forms.Form):
    method = forms.ChoiceField(label=_("采购方式"), choices=())
    formsets = {"criteria": CriteriaFormSet}

    bid_deadline = forms.DateTimeField(label=_("投标截止时间"), widget=DateTimeInput())
    price_weight = forms.DecimalField(label=_("价格分权重（%）"), min_value=0, max_value=100,
                                      initial=Decimal("10"))
    eligibility = forms.CharField(label=_("资格条件"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    documents_until = forms.DateField(
        label=_("采购文件提供截止日（留空按法定最短期限：招标、磋商自发布之日起5个工作日）"),
        required=False, widget=DateInput())
    # Registry conditions (法22第二款), checked at submission (procurement.services.eligibility).
    min_rating = forms.ChoiceField(label=_("最低社会组织评估等级"), required=False,
                                   choices=[("", _("不限"))] + OrganizationRating.Grade.choices)
    required_qualifications = forms.MultipleChoiceField(
        label=_("须具备的资质"), required=False, choices=Qualification.Kind.choices,
        widget=forms.CheckboxSelectMultiple)
    registry_conditions_reason = forms.CharField(
        label=_("设定上述条件的理由（与项目特殊要求的关联）"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))
    # Stated at publication (87号令 57); left empty it is the default (技术分高者优先, then a draw).
    tie_rule = forms.ChoiceField(label=_("得分且报价相同时的排序规则"), choices=Tender.TieRule.choices,
                                 initial=Tender.TieRule.TECHNICAL, required=False)
    # The committee is drawn only from experts with one of these specialties (87号令 47-48).
    required_specialties = forms.MultipleChoiceField(
        label=_("评审专家专业要求（抽取专家时只抽取具备所选专业之一的专家；不选则不限）"),
        choices=NeedCategory.choices, required=False, widget=forms.CheckboxSelectMultiple)

    # The documents every bid must carry a file for (bid_submit refuses a bid missing one).
    required_documents = forms.MultipleChoiceField(
        label=_("投标须提交的材料（每项至少一个文件，缺项的投标不予接受）"), required=False,
        choices=[(k, _(k)) for k in BID_DOCUMENT_KINDS], widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_REQUIRED_DOCUMENTS))
    other_documents = forms.CharField(
        label=_("其他须提交的材料（每行一项，可留空）"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))

    # 邀请招标 invites ≥ 3 suppliers (法34, 87号令14); 单一来源 names its one supplier (条例38).
    invited = SafeModelMultipleChoiceField(
        label=_("受邀供应商（邀请招标至少3家；单一来源选择唯一供应商；其他方式不选）"),
        queryset=Organization.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}))

    PUBLISH_FIELDS = ("method", "bid_deadline", "price_weight")

    def __init__(self, *args, failed_tender=None, fixed_price=False, category=None, **kwargs):
        # 固定价格项目价格不列为评审因素 (87号令 55): the price weight starts at 0.
        price_weight = Decimal("0") if fixed_price else Decimal("10")
        kwargs.setdefault("formset_initial", {"criteria": default_criteria(price_weight)})
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = Tender.Method.choices
        if category:
            self.fields["required_specialties"].initial = [category]
        self.fields["invited"].queryset = Organization.objects.filter(
            kind=Organization.Kind.SOCIAL_ORG, is_active=True).order_by("name")
        self.fields["price_weight"].initial = price_weight
        self.failed_tender = failed_tender
        if failed_tender is not None:
            # After a 废标 the purchaser re-tenders, or cancels the procurement (法36).
            self.fields["decision"] = forms.ChoiceField(
                label=_("处理方式"), widget=forms.RadioSelect, initial="publish",
                choices=[("publish", _("重新发布采购公告")), ("cancel", _("终止采购"))])
            self.fields["reason"] = forms.CharField(
                label=_("终止理由（终止采购时填写，将通知各投标人）"), required=False,
                widget=forms.Textarea(attrs={"rows": 2}))
            for name in self.PUBLISH_FIELDS:
                self.fields[name].required = False
            self.order_fields(["decision", "reason", *self.PUBLISH_FIELDS])

    def clean(self):
        cleaned = super().clean()
        if self.failed_tender is None:
            return cleaned
        if cleaned.get("decision") == "cancel":
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("请填写终止采购的理由。"))
        else:
            for name in self.PUBLISH_FIELDS:
                if name not in self.errors and cleaned.get(name) in (None, "", []):
                    self.add_error(name, self.fields[name].error_messages["required"])
        return cleaned

    def cancelling(self) -> bool:
        return self.failed_tender is not None and self.data.get("decision") == "cancel"

    def formsets_in_use(self):
        return [] if self.cancelling() else ["criteria"]

    def fields_not_in_use(self) -> list[str]:
        """Return the fields this submission ignores (a cancellation uses decision and reason);
        the confirmation page leaves them out."""
        if not self.cancelling():
            return []
        return [name for name in self.fields if name not in ("decision", "reason")]

    def clean_formsets(self):
        check_criteria_total(self)


@step("ServiceProjectFlow", "publish")
class TenderPublishStep(Step):
    """Publish the tender, or after a 废标 re-tender or cancel the procurement; either asks
    first, naming its consequence."""

    form_class = TenderPublishForm
    publish_message = _(
        "发布后采购公告立即在门户网站向社会公开，投标截止时间等法定期限自发布之日起计算，"
        "供应商即可获取采购文件、递交投标；公告不能撤回，此后只能以更正公告修改或延期。")
    cancel_message = _(
        "终止后本项目的采购即告结束，不再重新采购，项目状态变为已终止并释放预算；"
        "终止理由将通知各投标人和社区，不能撤回。")

    @property
    def submit_label(self):
        return _("下一步：确认") if self.failed_tender is not None else _("下一步：确认发布")

    def cancelling(self, data) -> bool:
        return self.failed_tender is not None and data.get("decision") == "cancel"

    def confirmation(self, form):
        return self.cancel_message if self.cancelling(form.cleaned_data) else self.publish_message

    def confirm_label(self, form):
        if self.cancelling(form.cleaned_data):
            return _("确认终止采购")
        return _("确认重新发布采购公告") if self.failed_tender is not None else _("确认发布采购公告")

    @cached_property
    def split_warning(self):
        return split_purchase_warning(project=self.project)

    @cached_property
    def failed_tender(self):
        """Return the project's latest tender when it failed (废标), else None."""
        latest = self.project.tenders.order_by("-pk").first()
        return latest if latest is not None and latest.status == Tender.Status.FAILED else None

    def form_kwargs(self):
        return {"failed_tender": self.failed_tender, "fixed_price": self.project.fixed_price,
                "category": self.project.category}

    def summary(self):
        rows = super().summary()
        if self.project.fixed_price:
            rows.append((_("固定价格采购"), _("价格不列为评审因素，价格分权重为0，投标报价即项目预算")))
        rows.append((_("评审方法"), _("公开招标、邀请招标、竞争性磋商按综合评分法；"
                                      "竞争性谈判、单一来源按最低报价法（价格分权重为0）")))
        failed = self.failed_tender
        if failed is not None:
            rows += [(_("上次采购（废标）"), failed.code), (_("废标理由"), failed.failure_reason)]
        return rows

    def perform(self, data, form=None):
        if self.cancelling(data):
            tender_cancel(tender=self.failed_tender, actor=self.user, reason=data["reason"])
            return
        criteria = with_price(data.get("criteria") or [], data["price_weight"])
        tender_publish(
            project=self.project, actor=self.user, method=data["method"],
            bid_deadline=data["bid_deadline"], price_weight=data["price_weight"],
            criteria=criteria, eligibility=data.get("eligibility", ""),
            documents_until=data.get("documents_until") or None,
            tie_rule=data.get("tie_rule") or None,
            required_specialties=data.get("required_specialties") or [],
            min_rating=data.get("min_rating") or "",
            required_qualifications=data.get("required_qualifications") or (),
            registry_conditions_reason=data.get("registry_conditions_reason", ""),
            invited=list(data.get("invited") or ()),
            required_documents=[*(data.get("required_documents") or ()),
                                *(data.get("other_documents") or "").splitlines()],
        )


class CommitteeForm(forms.Form):
    size = forms.IntegerField(label=_("委员会人数（留空按规则确定）"), required=False, min_value=3)


@step("ServiceProjectFlow", "form_committee")
class CommitteeFormStep(Step):
    form_class = CommitteeForm
    confirm_message = _("将从专家库中随机抽取评标委员会成员，抽取结果记录在案，不能重新抽取。")

    @cached_property
    def tender(self):
        return self.project.current_tender

    @cached_property
    def flags(self) -> list:
        return list(bid_flag_list_for_user(user=self.user, tender=self.tender))

    def summary(self):
        tender = self.tender
        return super().summary() + [
            (_("采购编号"), tender.code), (_("采购方式"), tender.get_method_display()),
            (_("投标截止时间"), tender.bid_deadline), (_("开标时间"), tender.opened_at),
            (_("有效投标数"), tender.bids.exclude(status="withdrawn").count()),
            (_("评审专家专业要求"), tender.get_required_specialties_display() or _("不限")),
        ] + [
            # Opening flags (条例18 …): for the committee to weigh in 资格审查, never automatic.
            (_("开标提示：%(kind)s") % {"kind": flag.get_kind_display()},
             _("%(reason)s（评标委员会认定：%(decision)s%(note)s）") % {
                 "reason": flag.reason, "decision": flag.get_decision_display(),
                 "note": f"，{flag.decision_note}" if flag.decision else ""})
            for flag in self.flags
        ]

    def perform(self, data, form=None):
        committee_form(tender=self.tender, actor=self.user, size=data.get("size") or None)


def _score_messages(bid, criterion) -> dict:
    """Return the score field's error messages, each naming the bidder and the criterion."""
    names = {"bidder": bid.organization.name, "criterion": criterion.name,
             "max": criterion.max_score}
    # Validator messages are %-formatted again with the validator's params: keep a literal %.
    escaped = {k: str(v).replace("%", "%%") for k, v in names.items()}
    return {
        "required": _("请填写“%(bidder)s”的“%(criterion)s”得分。") % names,
        "invalid": _("“%(bidder)s”的“%(criterion)s”得分不是有效数字。") % names,
        "min_value": _("“%(bidder)s”的“%(criterion)s”得分不能为负数。") % escaped,
        "max_value": _("“%(bidder)s”的“%(criterion)s”得分不能超过该项分值%(max)s分。") % escaped,
        "max_decimal_places": _("“%(bidder)s”的“%(criterion)s”得分最多保留两位小数。") % escaped,
    }


class ScoreForm(forms.Form):
    """One field per (bid, non-price criterion); the price score is computed (87号令 55)."""

    def __init__(self, *args, page: ScoringPage, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.keys = []
        for row in page.bids:
            bid = row.bid
            for criterion in page.scored_criteria:
                name = f"score_{bid.pk}_{criterion.pk}"
                self.fields[name] = forms.DecimalField(
                    label=f"{bid.organization.name} · {criterion.name}（0–{criterion.max_score}）",
                    min_value=0, max_value=criterion.max_score, decimal_places=2,
                    error_messages=_score_messages(bid, criterion),
                    widget=forms.NumberInput(attrs={
                        "class": "score-input", "inputmode": "decimal", "data-bid": bid.pk,
                        "data-criterion": criterion.pk}),
                )
                self.keys.append((name, bid.pk, criterion.pk))

    def scores(self) -> dict:
        result: dict = {}
        for name, bid_id, criterion_id in self.keys:
            result.setdefault(bid_id, {})[criterion_id] = self.cleaned_data[name]
        return result

    def _valid_scores(self) -> dict:
        """Return {(bid id, criterion id): score} of the fields entered validly so far."""
        cleaned = getattr(self, "cleaned_data", {})
        return {(bid_id, criterion_id): q2(cleaned[name])
                for name, bid_id, criterion_id in self.keys if cleaned.get(name) is not None}

    def cards(self) -> list[dict]:
        """Return per bid: the page's row, its (criterion, bound field) pairs and its running
        total (the valid scores entered plus the price score)."""
        valid = self._valid_scores()
        cards = []
        for row in self.page.bids:
            pk = row.bid.pk
            fields = [(c, self[f"score_{pk}_{c.pk}"]) for c in self.page.scored_criteria]
            entered = [valid[(pk, c.pk)] for c in self.page.scored_criteria if (pk, c.pk) in valid]
            cards.append({
                "row": row, "fields": fields,
                "scores": [(c, valid.get((pk, c.pk))) for c in self.page.scored_criteria],
                "total": q2(sum(entered, row.price_score or Decimal("0"))),
                "complete": len(entered) == len(fields),
            })
        return cards

    def review(self) -> list[dict]:
        """Return per bid the scores, price score and total, ordered by the rank they imply by
        the tender's evaluation method and tie rule (the expert's own view, before the mean)."""
        tender = self.page.tender
        cards = self.cards()
        ranks = rank_bids(
            [RankRow(key=card["row"].bid.pk, total=card["total"], price=card["row"].price,
                     technical=sum((score for c, score in card["scores"] if score is not None
                                    and c.kind == TenderCriterion.Kind.TECHNICAL), Decimal("0")))
             for card in cards],
            method=tender.evaluation_method, tie_rule=tender.tie_rule)
        for card in cards:
            card["rank"] = ranks[card["row"].bid.pk]
        return sorted(cards, key=lambda card: (card["rank"], card["row"].bid.pk))


@step("ServiceProjectFlow", "score")
class ScoreStep(CommitteeFormStep):
    """An expert's seat: score every evaluable bid beside its proposal, files, flags and track
    record; the totals run live and a review of the totals and the rank they imply comes before
    anything is stored."""

    form_class = ScoreForm
    template_name = "workflows/steps/score.html"
    confirm_template_name = "workflows/steps/score_confirm.html"
    submit_label = _("提交评分")
    confirm_message = _("提交后评分不能自行修改；确有计算错误等情形的，只能由评标委员会依照87号令第六十四条"
                        "更正并记录理由。")

    @property
    def member(self):
        return CommitteeMember.objects.select_related("committee__tender").get(
            pk=self.task.data["member_id"]
        )

    @cached_property
    def page(self) -> ScoringPage:
        return scoring_page_for_user(user=self.user, tender=self.tender)

    @cached_property
    def flags(self) -> list:
        return self.page.flags

    def form_kwargs(self):
        return {"page": self.page}

    def perform(self, data, form=None):
        scores_submit(member=self.member, actor=self.user, scores=form.scores())


class AwardForm(AwardConfirmForm):
    def __init__(self, *args, tied=False, **kwargs):
        super().__init__(*args, **kwargs)
        if tied:
            self.fields["draw"] = forms.BooleanField(
                label=_("排名第一的投标并列：当场随机抽签确定排名（随机种子和结果记录在案、可复核），"
                        "按抽签结果确认中标人"), required=True)
            self.order_fields(["draw", "comment", "late_reason"])


@step("ServiceProjectFlow", "award")
class AwardStep(CommitteeFormStep):
    form_class = AwardForm
    submit_label = _("确认中标人")
    confirm_message = _("确认后将公告中标结果、向中标人发出中标通知书并生成合同，不能撤回。")

    @cached_property
    def ties(self):
        return tender_ties(self.tender)

    def form_kwargs(self):
        return {"tied": 1 in self.ties}

    def summary(self):
        tender = self.tender
        rows = super().summary()
        lowest_price = tender.evaluation_method == Tender.EvaluationMethod.LOWEST_PRICE
        rows.append((_("评审方法"), tender.get_evaluation_method_display()))
        rows.append((_("排序依据"), _("报价由低到高（政府采购法第三十八条）") if lowest_price
                     else _("综合得分由高到低，得分相同的报价低者优先（87号令第五十七条）")))
        rows.append((_("得分且报价相同时的排序规则"), tender.get_tie_rule_display()))
        tied = {bid_id for keys in self.ties.values() for bid_id in keys}
        ranked = list(Bid.objects.filter(tender=tender, rank__isnull=False).select_related(
            "organization").order_by("rank", "pk"))
        prices = final_prices(tender, ranked)  # the final quote (最后报价) where a round was held
        for bid in ranked:
            label = (_("并列第%(rank)s名") if bid.pk in tied else _("第%(rank)s名")) % {"rank": bid.rank}
            rows.append((label, _("%(org)s　%(score)s分　报价%(price)s元") % {
                "org": bid.organization.name, "score": bid.final_score,
                "price": money(prices[bid.pk])}))
        return rows

    def perform(self, data, form=None):
        if data.get("draw"):
            tie_draw(tender=self.tender, actor=self.user)
        award_confirm(tender=self.tender, actor=self.user, reason=data.get("comment", ""),
                      late_reason=data.get("late_reason", ""))


class SignForm(forms.Form):
    agree = forms.BooleanField(label=_("已阅读合同全文，同意签订"), required=True)
    late_reason = forms.CharField(
        label=_("逾期签订理由（超过中标通知书发出之日起30日签订时必填）"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))


@step("ServiceProjectFlow", "sign_purchaser", "sign_supplier")
class ContractSignStep(Step):
    form_class = SignForm
    submit_label = _("签订合同")
    confirm_message = _("签订后合同对双方生效，并公开合同文本，不能撤回。")

    @property
    def contract(self):
        return self.project.contract

    def summary(self):
        contract = self.contract
        return super().summary() + [
            (_("合同编号"), contract.code), (_("甲方"), contract.purchaser),
            (_("乙方"), contract.supplier), (_("合同金额（元）"), contract.amount),
            (_("服务期限"), f"{contract.start_date} — {contract.end_date}"),
            # 法46: shown while the contract waits for signatures.
            *([(_("签约期限"), contract.sign_due)] if contract.purchaser_signed_at is None
              or contract.supplier_signed_at is None else []),
        ]

    def perform(self, data, form=None):
        contract_sign(contract=self.contract, actor=self.user,
                      late_reason=data.get("late_reason", ""))


# --- payments, delivery, evaluation ------------------------------------------------------------


class PayForm(forms.Form):
    voucher_number = forms.CharField(
        label=_("支付凭证号（审核后由另一名财务人员支付时填写）"), max_length=50, required=False)


class TranchePayStep(ContractSignStep):
    """Approve a due tranche, or pay an approved one: two officers (不相容岗位相互分离).

    Approving leaves the task open (``perform`` returns False) for another finance officer of the
    bureau, who records the payment and so completes the task.
    """

    form_class = PayForm
    condition = ""
    confirm_message = _("审核通过后交由另一名财务人员支付；支付记录一经登记不能撤回。")
    pending_message = _("已审核该付款节点，请由本部门另一名财务人员办理支付。")

    @property
    def tranche(self):
        return PaymentTranche.objects.get(contract__project_id=self.project.pk,
                                          condition=self.condition)

    @property
    def submit_label(self):
        return _("审核") if self.tranche.status == PaymentTranche.Status.DUE else _("支付")

    def summary(self):
        tranche = self.tranche
        return super().summary() + [
            (_("付款节点"), f"第{tranche.sequence}期 {tranche.get_condition_display()}"),
            (_("计划金额（元）"), tranche.amount),
            (_("核定金额（元）"), tranche.payable_amount if tranche.payable_amount is not None
             else tranche.amount),
            (_("状态"), tranche.get_status_display()),
            *([(_("审核人"), tranche.approved_by)] if tranche.approved_by_id else []),
        ]

    def perform(self, data, form=None):
        tranche = self.tranche
        if tranche.status == PaymentTranche.Status.DUE:
            tranche_approve(tranche=tranche, actor=self.user)
            return False
        tranche_pay(tranche=tranche, actor=self.user, voucher_number=data.get("voucher_number", ""))
        return None


@step("ServiceProjectFlow", "pay_first")
class FirstTrancheStep(TranchePayStep):
    condition = "on_signing"


@step("ServiceProjectFlow", "pay_second")
class SecondTrancheStep(TranchePayStep):
    condition = "mid_term"


@step("ServiceProjectFlow", "pay_final")
class FinalTrancheStep(TranchePayStep):
    condition = "final"


class ReportForm(forms.Form):
    summary = forms.CharField(label=_("执行情况"), widget=forms.Textarea(attrs={"rows": 6}))


class MilestoneSubmitStep(ContractSignStep):
    form_class = ReportForm
    submit_label = _("提交报告")
    kind = ""

    def perform(self, data, form=None):
        milestone_submit(contract=self.contract, actor=self.user, kind=self.kind,
                         summary=data["summary"])


@step("ServiceProjectFlow", "report_mid")
class MidReportStep(MilestoneSubmitStep):
    kind = "mid_term"


@step("ServiceProjectFlow", "report_final")
class FinalReportStep(MilestoneSubmitStep):
    kind = "final"


class MilestoneAcceptStep(ContractSignStep):
    """The purchaser accepts a report beside the delivery's targets and the service users' opinions."""

    form_class = _decision_form([("accept", _("验收通过")), ("return", _("退回修改"))],
                                reason_required_for=("return",))
    submit_label = _("提交验收意见")
    template_name = "workflows/steps/milestone_accept.html"
    kind = ""

    @cached_property
    def achievement(self):
        return delivery_achievement(contract=self.contract)

    @cached_property
    def opinions(self):
        """Return count, average and comments of the service users' opinions on this report."""
        return opinion_summary(reports=[self.report])[self.report.pk]

    @cached_property
    def survey_url(self):
        return opinion_survey_path(self.report)

    @cached_property
    def report(self):
        return MilestoneReport.objects.filter(
            contract__project_id=self.project.pk, kind=self.kind,
            status=MilestoneReport.Status.SUBMITTED,
        ).latest("submitted_at", "pk")

    def summary(self):
        report = self.report
        return super().summary() + [
            (_("报告"), report.get_kind_display()), (_("执行情况"), report.summary),
            (_("服务台账条数"), ServiceRecord.objects.filter(contract=report.contract_id).count()),
        ]

    def perform(self, data, form=None):
        if data["decision"] == "accept":
            milestone_accept(report=self.report, actor=self.user, comment=data.get("comment", ""))
        else:
            milestone_return(report=self.report, actor=self.user, reason=data["comment"])


@step("ServiceProjectFlow", "accept_mid")
class MidAcceptStep(MilestoneAcceptStep):
    kind = "mid_term"


@step("ServiceProjectFlow", "accept_final")
class FinalAcceptStep(MilestoneAcceptStep):
    kind = "final"


class PartyScoreForm(forms.Form):
    comment = forms.CharField(label=_("评价意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    CATEGORY_LABELS = {"budget": _("预算执行"), "output": _("产出"), "effect": _("效果"),
                       "satisfaction": _("服务对象满意度")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        weights = settings.PLATFORM_RULES["INDICATOR_WEIGHTS"]
        for category, weight in weights.items():
            self.fields[f"cat_{category}"] = forms.DecimalField(
                label=f"{self.CATEGORY_LABELS.get(category, category)}（0–{weight}）",
                min_value=0, max_value=weight, decimal_places=2,
            )
        self.order_fields([f"cat_{c}" for c in weights] + ["comment"])

    def category_scores(self) -> dict:
        return {
            name[4:]: value for name, value in self.cleaned_data.items() if name.startswith("cat_")
        }


class PartyScoreStep(ContractSignStep):
    """A party scores the performance, beside the targets against what was delivered."""

    form_class = PartyScoreForm
    submit_label = _("提交评价")
    template_name = "workflows/steps/party_score.html"
    party = ""

    @cached_property
    def evaluation(self):
        return PerformanceEvaluation.objects.get(contract__project_id=self.project.pk)

    @cached_property
    def achievement(self):
        """Return each deliverable's target against its service records, and the indicators."""
        return delivery_achievement(contract=self.contract, evaluation=self.evaluation)

    @cached_property
    def suggested_output_score(self):
        return output_achievement(self.evaluation)["suggested_output_score"]

    def perform(self, data, form=None):
        party_score_submit(evaluation=self.evaluation, party=self.party, actor=self.user,
                           category_scores=form.category_scores(), comment=data.get("comment", ""))


@step("ServiceProjectFlow", "evaluate_purchaser")
class PurchaserEvaluationStep(PartyScoreStep):
    party = "purchaser"


@step("ServiceProjectFlow", "evaluate_community")
class CommunityEvaluationStep(PartyScoreStep):
    party = "community"


@step("ServiceProjectFlow", "evaluate_third_party")
class ThirdPartyEvaluationStep(PartyScoreStep):
    party = "third_party"


@step("ServiceProjectFlow", "evaluate_self")
class SelfEvaluationStep(PartyScoreStep):
    party = "self"


@step("ServiceProjectFlow", "close")
class ProjectCloseStep(Step):
    submit_label = _("结项")
    confirm_message = _("结项后项目关闭，不能再登记服务、报告或拨付。")

    def perform(self, data, form=None):
        project_close(project=self.project, actor=self.user)
