"""Start pages: a resident's need submission and a community's project design."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
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
from office.fields import SafeModelMultipleChoiceField
from procurement.forms import AttachmentsField
from procurement.models import FundingSource, Need, NeedCategory
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


def _parse_lines(text: str, fields: list[str], decimals: set[str], ints: set[str]) -> list[dict]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) < len(fields) - 1 or len(parts) > len(fields):
            raise forms.ValidationError(
                _("第%(n)d行应有%(k)d项：%(f)s") % {"n": n, "k": len(fields), "f": ",".join(fields)}
            )
        row = dict(zip(fields, parts + [""] * (len(fields) - len(parts)), strict=True))
        try:
            for key in decimals:
                row[key] = Decimal(row[key])
            for key in ints:
                row[key] = int(row[key])
        except (InvalidOperation, ValueError) as exc:
            raise forms.ValidationError(_("第%(n)d行的数字格式不正确") % {"n": n}) from exc
        rows.append(row)
    if not rows:
        raise forms.ValidationError(_("至少填写一行。"))
    return rows


_NeedChoiceField = SafeModelMultipleChoiceField


def _design_initial(project) -> dict:
    """Return the design form's initial values from an existing project (its rows as lines)."""
    def lines(rows, keys):
        # A comma inside a text would split its line: it reads as 、 in the form.
        return "\n".join(",".join(str(getattr(row, key)).replace(",", "、").replace("，", "、")
                                   for key in keys) for row in rows)

    return {
        "community": project.community_id, "purchaser": project.purchaser_id,
        "title": project.title, "category": project.category, "objectives": project.objectives,
        "target_groups": project.target_groups, "fiscal_year": project.fiscal_year,
        "funding_source": project.funding_source, "duration_months": project.duration_months,
        "needs": [n.pk for n in project.needs.all()], "fixed_price": project.fixed_price,
        "deliverables": lines(project.deliverables.all(),
                              ["activity_type", "description", "quantity", "unit_price",
                               "min_quality"]),
        "indicators": lines(project.indicators.all(), ["category", "name", "target", "unit"]),
        "budget_lines": lines(project.budget_lines.all(), ["category", "amount", "note"]),
    }


class ProjectDesignForm(forms.Form):
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
    deliverables = forms.CharField(
        label=gettext_lazy("服务产出（每行：类型,内容,数量,单价,最低质量标准）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="small_event,社区小型活动,10,2000,每场不少于25人\ncase,个案服务,20,300,每个个案不少于6次跟进",
    )
    indicators = forms.CharField(
        label=gettext_lazy("绩效指标（每行：类别,名称,目标值,单位）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="output,开展小型活动,10,场\nsatisfaction,服务对象满意度,90,%",
    )
    budget_lines = forms.CharField(
        label=gettext_lazy("预算明细（每行：科目,金额,测算说明）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="personnel,18200,社工薪酬\nmanagement,2600,项目管理\nactivities,5200,活动物料",
    )

    def __init__(self, *args, user, project=None, **kwargs):
        if project is not None:
            kwargs.setdefault("initial", _design_initial(project))
        super().__init__(*args, **kwargs)
        communities = _community_ids(user, {Role.COMMUNITY})
        self.fields["community"].queryset = Organization.objects.filter(pk__in=communities)
        self.fields["purchaser"].queryset = Organization.objects.filter(
            kind=Organization.Kind.PURCHASER, is_active=True
        )
        self.fields["category"].choices = NeedCategory.choices
        self.fields["funding_source"].choices = FundingSource.choices
        self.fields["fiscal_year"].initial = timezone.localdate().year
        self.fields["needs"].queryset = Need.objects.filter(
            community_id__in=communities, status=Need.Status.ACCEPTED
        )
        if self.is_bound:
            self._show_budget_shares(())
        elif project is not None:
            self._show_budget_shares(project.budget_lines.all())
        else:
            self._show_budget_shares(_parse_lines(
                self.fields["budget_lines"].initial, ["category", "amount", "note"], {"amount"},
                set()))

    def _show_budget_shares(self, lines) -> None:
        """Put the configured category limits and the lines' computed shares in the help text."""
        text = " ".join(t for t in (budget_caps_text(), budget_shares_text(lines)) if t)
        self.fields["budget_lines"].help_text = text
        # Cleaning already built the bound field, which copied the help text.
        self["budget_lines"].help_text = text

    def clean_deliverables(self):
        return _parse_lines(self.cleaned_data["deliverables"],
                            ["activity_type", "description", "quantity", "unit_price", "min_quality"],
                            {"unit_price"}, {"quantity"})

    def clean_indicators(self):
        return _parse_lines(self.cleaned_data["indicators"],
                            ["category", "name", "target", "unit"], {"target"}, set())

    def clean_budget_lines(self):
        lines = _parse_lines(self.cleaned_data["budget_lines"], ["category", "amount", "note"],
                             {"amount"}, set())
        # The limits themselves are checked by project_submit; a violation comes back as a form error.
        self._show_budget_shares(lines)
        return lines


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
    error_fields = {"budget_caps": "budget_lines"}

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
