"""Start pages: a resident's need submission and a community's project design."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import user_memberships
from core.exceptions import ServiceError
from core.files import atomic_with_files, stored_files_create
from office.fields import SafeModelMultipleChoiceField, preselect_single_choices
from office.formsets import BLANK, FormsetsMixin, RowFormSet, number_or_none, row_formset
from procurement.forms import AttachmentsField
from procurement.models import (
    BudgetCategory,
    Deliverable,
    FundingSource,
    IndicatorCategory,
    Need,
    NeedCategory,
)
from procurement.rules import budget_caps_text, budget_shares_text
from procurement.services.needs import need_submit
from procurement.services.projects import project_create, project_submit
from workflows.services import need_flow_start, project_flow_start


def _community_ids(user, roles) -> list[int]:
    return [m.organization_id for m in user_memberships(user)
            if m.role in roles and m.organization_id is not None]


class NeedSubmitForm(forms.Form):
    community = forms.ModelChoiceField(label=gettext_lazy("所在社区"), queryset=None)
    title = forms.CharField(label=gettext_lazy("需求标题"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=())
    target_group = forms.CharField(label=gettext_lazy("服务对象"), max_length=100)
    description = forms.CharField(label=gettext_lazy("需求描述"), widget=forms.Textarea(attrs={"rows": 5}))
    photos = AttachmentsField(label=gettext_lazy("现场照片"), allowed=("image",),
                              help_text=gettext_lazy("可选，图片，可多选；本社区居民和工作人员可以查看。"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Organization.objects.filter(
            pk__in=_community_ids(user, {Role.RESIDENT, Role.COMMUNITY})
        )
        self.fields["category"].choices = NeedCategory.choices
        preselect_single_choices(self)


class DeliverableRowForm(forms.Form):
    activity_type = forms.ChoiceField(label=gettext_lazy("服务类型"),
                                      choices=[BLANK, *Deliverable.ActivityType.choices])
    description = forms.CharField(label=gettext_lazy("服务内容"), max_length=200)
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, max_value=1_000_000,
                                  widget=forms.NumberInput(attrs={"step": "1", "min": "1"}))
    unit = forms.CharField(label=gettext_lazy("单位"), max_length=10, initial="次")
    unit_price = forms.DecimalField(label=gettext_lazy("单价（元）"), min_value=Decimal("0.01"),
                                    max_digits=12, decimal_places=2,
                                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
    min_quality = forms.CharField(label=gettext_lazy("最低质量标准"), max_length=200, required=False)


class IndicatorRowForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("指标类别"),
                                 choices=[BLANK, *IndicatorCategory.choices])
    name = forms.CharField(label=gettext_lazy("指标名称"), max_length=200)
    target = forms.DecimalField(label=gettext_lazy("目标值"), min_value=Decimal("0.01"),
                                max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
    unit = forms.CharField(label=gettext_lazy("单位"), max_length=20, required=False)


class BudgetRowForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("预算科目"),
                                 choices=[BLANK, *BudgetCategory.choices])
    amount = forms.DecimalField(label=gettext_lazy("金额（元）"), min_value=Decimal("0"),
                                max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
    note = forms.CharField(label=gettext_lazy("测算说明"), max_length=200, required=False)


class BudgetFormSet(RowFormSet):
    """Budget lines: one line per category, the shares computed as project_submit checks them."""

    def clean(self):
        super().clean()
        if not any(self.errors):
            categories = [row["category"] for row in self.rows()]
            if len(set(categories)) != len(categories):
                raise forms.ValidationError(_("每个预算科目只能填写一行。"))

    def shares_text(self) -> str:
        lines = [{"category": row["category"], "amount": _row_amount(row)}
                 for row in self.entered_rows() if row.get("category") and _row_amount(row)]
        return budget_shares_text(lines)


def _row_amount(row) -> Decimal | None:
    return number_or_none(row.get("amount"))


DeliverableFormSet = row_formset(
    DeliverableRowForm, title=gettext_lazy("服务产出"), total_fields=("quantity", "unit_price"),
    total_label=gettext_lazy("产出合计（数量×单价，元）"))
IndicatorFormSet = row_formset(IndicatorRowForm, title=gettext_lazy("绩效指标"))
ProjectBudgetFormSet = row_formset(
    BudgetRowForm, formset=BudgetFormSet, title=gettext_lazy("预算明细"), total_fields=("amount",),
    total_label=gettext_lazy("项目预算合计（元）"), share_field="category")

DEFAULT_DELIVERABLES = [
    {"activity_type": "small_event", "description": "社区小型活动", "quantity": 10, "unit": "场",
     "unit_price": Decimal("2000"), "min_quality": "每场不少于25人"},
    {"activity_type": "case", "description": "个案服务", "quantity": 20, "unit": "个",
     "unit_price": Decimal("300"), "min_quality": "每个个案不少于6次跟进"},
]
DEFAULT_INDICATORS = [
    {"category": "output", "name": "开展小型活动", "target": Decimal("10"), "unit": "场"},
    {"category": "satisfaction", "name": "服务对象满意度", "target": Decimal("90"), "unit": "%"},
]
DEFAULT_BUDGET_LINES = [
    {"category": "personnel", "amount": Decimal("18200"), "note": "社工薪酬"},
    {"category": "management", "amount": Decimal("2600"), "note": "项目管理"},
    {"category": "activities", "amount": Decimal("5200"), "note": "活动物料"},
]


_NeedChoiceField = SafeModelMultipleChoiceField


class ProjectDesignForm(FormsetsMixin, forms.Form):
    """A project design: the project's fields and its tables of deliverables, indicators and
    budget lines. With ``project`` every value starts from that project (revise and resubmit)."""

    formsets = {"deliverables": DeliverableFormSet, "indicators": IndicatorFormSet,
                "budget_lines": ProjectBudgetFormSet}

    community = forms.ModelChoiceField(label=gettext_lazy("设计社区"), queryset=None)
    purchaser = forms.ModelChoiceField(label=gettext_lazy("购买主体"), queryset=None)
    title = forms.CharField(label=gettext_lazy("项目名称"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("服务类别"), choices=())
    objectives = forms.CharField(label=gettext_lazy("项目目标"), widget=forms.Textarea(attrs={"rows": 3}))
    target_groups = forms.CharField(label=gettext_lazy("服务对象"), max_length=200)
    fiscal_year = forms.IntegerField(label=gettext_lazy("预算年度"), min_value=2000, max_value=2100)
    funding_source = forms.ChoiceField(label=gettext_lazy("资金来源"), choices=())
    duration_months = forms.IntegerField(label=gettext_lazy("服务周期（月）"), min_value=1, max_value=36,
                                         initial=12)
    needs = _NeedChoiceField(label=gettext_lazy("回应的需求"), queryset=None, required=False)
    fixed_price = forms.BooleanField(
        label=gettext_lazy("固定价格采购（价格不列为评审因素，投标报价即项目预算）"), required=False)

    def __init__(self, data=None, files=None, *, user, project=None, **kwargs):
        if project is not None:
            kwargs.setdefault("initial", _project_initial(project))
            kwargs.setdefault("formset_initial", _project_rows(project))
        else:
            kwargs.setdefault("formset_initial", {
                "deliverables": DEFAULT_DELIVERABLES, "indicators": DEFAULT_INDICATORS,
                "budget_lines": DEFAULT_BUDGET_LINES})
        super().__init__(data=data, files=files, **kwargs)
        self.project = project
        communities = _community_ids(user, {Role.COMMUNITY})
        if project is not None and project.community_id not in communities:
            communities.append(project.community_id)
        self.fields["community"].queryset = Organization.objects.filter(pk__in=communities)
        self.fields["purchaser"].queryset = Organization.objects.filter(
            kind=Organization.Kind.PURCHASER, is_active=True
        )
        self.fields["category"].choices = NeedCategory.choices
        self.fields["funding_source"].choices = FundingSource.choices
        self.fields["fiscal_year"].initial = timezone.localdate().year
        needs = Q(community_id__in=communities, status=Need.Status.ACCEPTED)
        if project is not None:
            needs |= Q(pk__in=project.needs.values("pk"))
        self.fields["needs"].queryset = Need.objects.filter(needs)
        self.formsets["budget_lines"].help_text = budget_caps_text()
        preselect_single_choices(self)


def _project_initial(project) -> dict:
    return {
        "community": project.community_id, "purchaser": project.purchaser_id,
        "title": project.title, "category": project.category, "objectives": project.objectives,
        "target_groups": project.target_groups, "fiscal_year": project.fiscal_year,
        "funding_source": project.funding_source, "duration_months": project.duration_months,
        "needs": [need.pk for need in project.needs.all()], "fixed_price": project.fixed_price,
    }


def _project_rows(project) -> dict:
    return {
        "deliverables": [
            {"activity_type": d.activity_type, "description": d.description,
             "quantity": d.quantity, "unit": d.unit, "unit_price": d.unit_price,
             "min_quality": d.min_quality} for d in project.deliverables.all()],
        "indicators": [
            {"category": i.category, "name": i.name, "target": i.target, "unit": i.unit}
            for i in project.indicators.all()],
        "budget_lines": [
            {"category": b.category, "amount": b.amount, "note": b.note}
            for b in project.budget_lines.all()],
    }


class _StartView(LoginRequiredMixin, View):
    template_name = "workflows/start.html"
    form_class: type[forms.Form]
    title = ""
    roles: set = set()
    permission = ""  # the model-level rule that lets the user open the page at all
    error_fields: dict[str, str] = {}  # ServiceError code → the form field it belongs to

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(self.permission):
            raise Http404(_("没有找到该页面。"))
        return super().dispatch(request, *args, **kwargs)

    def render(self, request, form):
        return TemplateResponse(request, self.template_name, {"form": form, "title": self.title})

    def get(self, request):
        return self.render(request, self.form_class(user=request.user))

    def post(self, request):
        form = self.form_class(data=request.POST, files=request.FILES, user=request.user)
        if not form.is_valid():
            return self.render(request, form)
        try:
            with atomic_with_files():  # a refusal also removes the files stored meanwhile
                self.perform(form.cleaned_data)
        except ServiceError as exc:
            for error in getattr(exc, "error_list", [exc]):
                form.add_error(self.error_fields.get(getattr(error, "code", None)), error.messages)
            return self.render(request, form)
        messages.success(request, _("已提交。"))
        return redirect("home")


class NeedSubmitView(_StartView):
    """Submit a resident need and start its triage flow."""

    form_class = NeedSubmitForm
    title = gettext_lazy("提交居民需求")
    roles = {Role.RESIDENT, Role.COMMUNITY}
    permission = "procurement.propose_need"

    def perform(self, data):
        need = need_submit(actor=self.request.user, community=data["community"], title=data["title"],
                           category=data["category"], target_group=data["target_group"],
                           description=data["description"])
        stored_files_create(owner=need, actor=self.request.user, files=data["photos"],
                            allowed=("image",))
        need_flow_start(need=need)


class ProjectDesignView(_StartView):
    """Create a project design, submit it for approval and start the project's flow."""

    form_class = ProjectDesignForm
    title = gettext_lazy("设计服务项目")
    roles = {Role.COMMUNITY}
    permission = "procurement.design_serviceproject"
    error_fields = {"budget_caps": "budget_lines", "budget_lines": "budget_lines"}

    def perform(self, data):
        project = project_create(
            actor=self.request.user, community=data["community"], purchaser=data["purchaser"],
            title=data["title"], category=data["category"], objectives=data["objectives"],
            target_groups=data["target_groups"], fiscal_year=data["fiscal_year"],
            funding_source=data["funding_source"], duration_months=data["duration_months"],
            deliverables=data["deliverables"], indicators=data["indicators"],
            budget_lines=data["budget_lines"], needs=list(data["needs"]),
            fixed_price=data.get("fixed_price", False),
        )
        project_submit(project=project, actor=self.request.user)
        project_flow_start(project=project)
