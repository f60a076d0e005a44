"""Needs, service projects, tenders, bids, awards and contracts."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.models import Organization, OrganizationRating, Qualification, SocialWorkerProfile

MONEY = {"max_digits": 14, "decimal_places": 2}


class NeedCategory(models.TextChoices):
    ELDERLY = "elderly", _("养老服务")
    CHILDREN = "children", _("儿童关爱")
    DISABILITY = "disability", _("助残服务")
    HARDSHIP = "hardship", _("困难群体帮扶")
    GOVERNANCE = "governance", _("社区治理")
    CULTURE = "culture", _("文化体育")
    HEALTH = "health", _("健康服务")
    OTHER = "other", _("其他")


class Need(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待处理")
        ACCEPTED = "accepted", _("已采纳")
        MERGED = "merged", _("已合并")
        DECLINED = "declined", _("未采纳")

    title = models.CharField(_("需求标题"), max_length=200)
    category = models.CharField(_("类别"), max_length=20, choices=NeedCategory.choices)
    target_group = models.CharField(_("服务对象"), max_length=100)
    community = models.ForeignKey(
        Organization, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="needs",
        limit_choices_to={"kind": Organization.Kind.COMMUNITY},
    )
    description = models.TextField(_("需求描述"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"),
                                     on_delete=models.PROTECT, related_name="needs_submitted")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    merged_into = models.ForeignKey("self", verbose_name=_("合并至"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_needs")
    decision_reason = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    supporters = models.ManyToManyField(settings.AUTH_USER_MODEL, through="NeedSupport",
                                        related_name="supported_needs", verbose_name=_("支持者"))

    class Meta:
        verbose_name = _("居民需求")
        verbose_name_plural = _("居民需求")
        ordering = ["-submitted_at", "-id"]
        # The list's order: a page is read from the index, not sorted out of the whole table.
        indexes = [models.Index(fields=["submitted_at", "id"], name="need_submitted_order"),
                   # the portal's declined needs (status, -decided_at, -id): read from the index
                   models.Index(fields=["status", "decided_at", "id"], name="need_status_decided_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="need_merged_has_target",
            ),
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="need_not_merged_into_self"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decision_reason=""),
                name="need_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def user_can_download_file(self, user) -> bool:
        """Return whether the user may see the need's photos (whoever may open the need, and
        the purchaser's staff of a project answering it)."""
        return user.has_perm("procurement.view_need", self)

    def user_can_upload_file(self, user):
        """Return whether the user may attach photos to the need (its submitter, while open)."""
        from core.permissions import allow, deny

        if (getattr(user, "pk", None) is None or user.pk != self.submitted_by_id
                or self.status != self.Status.SUBMITTED):
            return deny(_("只有需求提交人可以在需求处理前上传照片。"))
        return allow()


class NeedSupport(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("需求支持")
        verbose_name_plural = _("需求支持")
        constraints = [models.UniqueConstraint(fields=["need", "user"], name="need_support_once")]

    def __str__(self) -> str:
        return f"{self.need_id}:{self.user_id}"


class FundingSource(models.TextChoices):
    FISCAL = "fiscal", _("财政预算")
    LOTTERY = "lottery", _("福彩公益金")
    OTHER = "other", _("其他资金")


class ServiceProject(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待立项审批")
        RETURNED = "returned", _("已退回修改")
        APPROVED = "approved", _("已立项，待预算审核")
        BUDGET_CONFIRMED = "budget_confirmed", _("预算已确认，待发布采购")
        TENDERING = "tendering", _("采购中")
        EVALUATING = "evaluating", _("评审中")
        AWARDED = "awarded", _("已授标，待签约")
        IN_DELIVERY = "in_delivery", _("执行中")
        PERFORMANCE_REVIEW = "performance_review", _("绩效评价中")
        SETTLEMENT = "settlement", _("待尾款拨付")
        CLOSED = "closed", _("已结项")
        CANCELLED = "cancelled", _("已终止")

    code = models.CharField(_("项目编号"), max_length=30, unique=True)
    title = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("服务类别"), max_length=20, choices=NeedCategory.choices)
    community = models.ForeignKey(
        Organization, verbose_name=_("设计社区"), on_delete=models.PROTECT,
        related_name="designed_projects", limit_choices_to={"kind": Organization.Kind.COMMUNITY},
    )
    purchaser = models.ForeignKey(
        Organization, verbose_name=_("购买主体"), on_delete=models.PROTECT,
        related_name="purchased_projects", limit_choices_to={"kind": Organization.Kind.PURCHASER},
    )
    design_partners = models.ManyToManyField(
        Organization, verbose_name=_("参与需求调研或设计的机构"), blank=True,
        related_name="+", help_text=_("参与需求调研或项目设计的机构不得参加本项目投标（实施条例第十八条）。"),
    )
    needs = models.ManyToManyField(Need, verbose_name=_("回应的需求"), blank=True,
                                   related_name="projects")
    objectives = models.TextField(_("项目目标"))
    target_groups = models.CharField(_("服务对象"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(_("预算年度"))
    funding_source = models.CharField(_("资金来源"), max_length=20, choices=FundingSource.choices)
    budget_amount = models.DecimalField(_("项目预算（元）"), **MONEY)
    duration_months = models.PositiveSmallIntegerField(_("服务周期（月）"))
    multi_year_budget_secured = models.BooleanField(
        _("跨年度预算已落实"), default=False,
        help_text=_("服务周期超过12个月（最长36个月）须预算有保障且服务稳定（102号令第24条）。"),
    )
    fixed_price = models.BooleanField(
        _("固定价格采购"), default=False,
        help_text=_("按统一价格标准（固定价格）购买的服务，价格不列为评审因素，价格分权重为0，"
                    "投标报价即项目预算（87号令第55条，财库〔2014〕214号第24条）。"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    return_reason = models.TextField(_("退回意见"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("立项时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结项时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["-created_at", "-id"]
        # Object grants only (procurement.services.grants), never held at model level.
        permissions = [
            ("handle_serviceproject", _("经办项目（购买主体指定的经办人）")),
            ("supervise_serviceproject", _("监督查看项目（纪检监察/审计，只读）")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gt=0), name="project_budget_positive"),
            # 政府购买服务合同履行期限一般不超过1年，预算有保障时最长3年（102号令第24条）。
            models.CheckConstraint(condition=Q(duration_months__gte=1, duration_months__lte=36),
                                   name="project_duration_max_3y"),
        ]
        # The lists' orders: a page is read from the index (benchmarks/bench_list_scaling.py).
        indexes = [models.Index(fields=["created_at", "id"], name="project_created_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def current_tender(self):
        """Return the project's latest tender that was not cancelled, or None.

        Uses the prefetched ``tenders`` when the selector prefetched them (no query per row).
        """
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "tenders" in cache:
            live = [t for t in cache["tenders"] if t.status != Tender.Status.CANCELLED]
            return max(live, key=lambda t: t.pk, default=None)
        return self.tenders.exclude(status=Tender.Status.CANCELLED).order_by("-pk").first()


class Deliverable(models.Model):
    class ActivityType(models.TextChoices):
        LARGE_EVENT = "large_event", _("大型社区活动")
        SMALL_EVENT = "small_event", _("小型社区活动")
        CASE = "case", _("个案服务")
        GROUP = "group", _("小组工作")
        VOLUNTEER = "volunteer", _("志愿服务")
        OTHER = "other", _("其他")

    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="deliverables")
    activity_type = models.CharField(_("服务类型"), max_length=20, choices=ActivityType.choices)
    description = models.CharField(_("服务内容"), max_length=200)
    quantity = models.PositiveIntegerField(_("数量"))
    unit = models.CharField(_("单位"), max_length=10, default="次")
    unit_price = models.DecimalField(_("单价（元）"), **MONEY)
    min_quality = models.CharField(_("最低质量标准"), max_length=200, blank=True,
                                   help_text=_("如：每场不少于200人；每个个案不少于6次跟进。"))

    class Meta:
        verbose_name = _("服务产出")
        verbose_name_plural = _("服务产出")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="deliverable_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="deliverable_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))


class IndicatorCategory(models.TextChoices):
    BUDGET = "budget", _("预算执行")
    OUTPUT = "output", _("产出")
    EFFECT = "effect", _("效果")
    SATISFACTION = "satisfaction", _("服务对象满意度")


class Indicator(models.Model):
    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="indicators")
    category = models.CharField(_("指标类别"), max_length=20, choices=IndicatorCategory.choices)
    name = models.CharField(_("指标名称"), max_length=200)
    target = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    deliverable = models.ForeignKey(Deliverable, verbose_name=_("对应产出"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="indicators")

    class Meta:
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="indicator_target_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class BudgetCategory(models.TextChoices):
    PERSONNEL = "personnel", _("人员薪酬")
    SUPERVISION = "supervision", _("督导培训")
    ACTIVITIES = "activities", _("服务活动")
    MANAGEMENT = "management", _("项目管理")
    TAX = "tax", _("税费")


class BudgetLine(models.Model):
    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("预算科目"), max_length=20, choices=BudgetCategory.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    note = models.CharField(_("测算说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_non_negative"),
            models.UniqueConstraint(fields=["project", "category"], name="budget_line_one_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount}"


class ProjectVersion(models.Model):
    """One submission of a project's design: v1 at the first submission, v2 after a revision …

    ``snapshot`` holds the design as submitted (fields, deliverables, indicators, budget lines,
    needs; amounts as strings of Decimals), written by ``project_submit`` and never changed.
    """

    project = models.ForeignKey(ServiceProject, verbose_name=_("服务项目"), on_delete=models.CASCADE,
                                related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"),
                                     on_delete=models.PROTECT, related_name="+")
    # Why the previous version was sent back (the purchaser's or the finance bureau's reason).
    return_reason = models.TextField(_("上一版本的退回意见"), blank=True)
    snapshot = models.JSONField(_("项目设计快照"))

    class Meta:
        verbose_name = _("项目设计版本")
        verbose_name_plural = _("项目设计版本")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="project_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="project_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Tender(models.Model):
    class Method(models.TextChoices):
        OPEN = "open", _("公开招标")
        INVITED = "invited", _("邀请招标")
        NEGOTIATION = "negotiation", _("竞争性谈判")
        SINGLE_SOURCE = "single_source", _("单一来源")
        CONSULTATION = "consultation", _("竞争性磋商")

    class EvaluationMethod(models.TextChoices):
        # 公开/邀请招标 and 磋商 rank by 综合评分 (87号令 55, 磋商办法 24); 谈判 and 单一来源 award
        # the responsive bid with the lowest price (法38(五); 询价 法40 is for goods only).
        COMPREHENSIVE = "comprehensive", _("综合评分法")
        LOWEST_PRICE = "lowest_price", _("最低报价法")

    class TieRule(models.TextChoices):
        # Stated at publication (87号令 57); what it leaves tied goes to a recorded random draw.
        TECHNICAL = "technical", _("技术分高者优先，仍相同的随机抽签")
        DRAW = "draw", _("随机抽签")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("投标中")
        OPENED = "opened", _("已开标")
        EVALUATING = "evaluating", _("评审中")
        EVALUATED = "evaluated", _("评审完成，待定标")
        AWARDED = "awarded", _("已定标")
        FAILED = "failed", _("废标")
        CANCELLED = "cancelled", _("已终止")

    # A project may be re-tendered after a failed procurement (废标, 法36), so it has many
    # tenders over time but at most one live one (see the constraint below).
    project = models.ForeignKey(ServiceProject, verbose_name=_("服务项目"),
                                on_delete=models.PROTECT, related_name="tenders")
    code = models.CharField(_("采购编号"), max_length=30, unique=True)
    title = models.CharField(_("采购项目名称"), max_length=200)
    method = models.CharField(_("采购方式"), max_length=20, choices=Method.choices)
    budget_amount = models.DecimalField(_("预算金额（元）"), **MONEY)
    price_weight = models.DecimalField(_("价格分权重（%）"), max_digits=5, decimal_places=2)
    eligibility = models.TextField(_("资格条件"), blank=True)
    # Supplier registry conditions stated at publication (法22第二款: 特定条件), checked at
    # submission by procurement.services.eligibility and shown in the opening record.
    min_rating = models.CharField(_("最低社会组织评估等级"), max_length=2, blank=True,
                                  choices=OrganizationRating.Grade.choices)
    required_qualifications = models.JSONField(_("须具备的资质类别"), default=list, blank=True)
    registry_conditions_reason = models.TextField(
        _("特定资格条件的理由"), blank=True,
        help_text=_("设定最低评估等级或资质要求时，须说明与项目特殊要求的关联（政府采购法第二十二条第二款；"
                    "不得以不合理条件排斥潜在供应商，实施条例第二十条）。"))
    tie_rule = models.CharField(_("得分且报价相同时的排序规则"), max_length=20,
                                choices=TieRule.choices, default=TieRule.TECHNICAL)
    bid_deadline = models.DateTimeField(_("投标截止时间"), db_index=True)
    # The evaluation specialties (NeedCategory values) the committee is drawn from; empty: any.
    required_specialties = models.JSONField(_("评审专家专业要求"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # Fixed at publication on the calendar of that day (87号令第16条、第19条; 磋商办法第10条).
    announcement_ends_on = models.DateField(_("公告期限届满日"), null=True, blank=True)
    documents_until = models.DateField(_("采购文件提供截止日"), null=True, blank=True)
    opened_at = models.DateTimeField(_("开标时间"), null=True, blank=True)
    # The committee's ranking is complete: the evaluation report reaches the purchaser (条例43).
    evaluated_at = models.DateTimeField(_("评审完成时间"), null=True, blank=True)
    failure_reason = models.TextField(_("废标理由"), blank=True)
    # The version of the tender documents: 1 at publication, +1 with each amendment (更正公告,
    # 87号令第27条). Each bid records the version it answers (Bid.tender_version).
    version = models.PositiveIntegerField(_("采购文件版本"), default=1)
    # The documents every bid must carry, one file at least each, stated at publication (names,
    # from BID_DOCUMENT_KINDS or the purchaser's own); checked by bid_submit.
    required_documents = models.JSONField(_("投标须提交的材料"), default=list, blank=True)

    class Meta:
        verbose_name = _("采购公告")
        verbose_name_plural = _("采购公告")
        ordering = ["-bid_deadline", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gt=0), name="tender_budget_positive"),
            models.CheckConstraint(condition=Q(price_weight__gte=0, price_weight__lte=100),
                                   name="tender_price_weight_range"),
            models.CheckConstraint(condition=Q(opened_at__isnull=True) | Q(opened_at__gte=F("bid_deadline")),
                                   name="tender_not_opened_before_deadline"),
            models.UniqueConstraint(fields=["project"],
                                    condition=~Q(status__in=["failed", "cancelled"]),
                                    name="tender_one_live_per_project"),
        ]
        indexes = [models.Index(fields=["bid_deadline", "id"], name="tender_deadline_order"),
                   models.Index(fields=["published_at", "id"], name="tender_published_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def evaluation_method(self) -> str:
        """Return how the method ranks the bids (an EvaluationMethod value)."""
        return EVALUATION_METHODS[self.method]

    def get_required_specialties_display(self) -> str:
        """Return the required expert specialties as labels separated by 、 (empty: any)."""
        labels = dict(NeedCategory.choices)
        return "、".join(str(labels.get(code, code)) for code in self.required_specialties)

    def get_evaluation_method_display(self) -> str:
        """Return the evaluation method's label (综合评分法 / 最低报价法)."""
        return str(self.EvaluationMethod(self.evaluation_method).label)

    def required_bid_version(self) -> int:
        """Return the oldest version a bid may answer without re-confirming: the one made by the
        latest amendment that may affect bids (更正公告, 87号令第27条), else 1."""
        if self.version <= 1:
            return 1
        latest = self.amendments.filter(affects_bids=True).aggregate(v=models.Max("version"))["v"]
        return latest or 1
    @property
    def required_qualification_labels(self) -> list[str]:
        """Return the labels of the qualification kinds the tender requires."""
        labels = dict(Qualification.Kind.choices)
        return [str(labels.get(kind, kind)) for kind in self.required_qualifications or ()]


EVALUATION_METHODS = {
    Tender.Method.OPEN: Tender.EvaluationMethod.COMPREHENSIVE,
    Tender.Method.INVITED: Tender.EvaluationMethod.COMPREHENSIVE,
    Tender.Method.CONSULTATION: Tender.EvaluationMethod.COMPREHENSIVE,
    Tender.Method.NEGOTIATION: Tender.EvaluationMethod.LOWEST_PRICE,
    Tender.Method.SINGLE_SOURCE: Tender.EvaluationMethod.LOWEST_PRICE,
}


class TenderCriterion(models.Model):
    class Kind(models.TextChoices):
        PRICE = "price", _("价格")
        TECHNICAL = "technical", _("技术")
        COMMERCIAL = "commercial", _("商务")

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    max_score = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    description = models.TextField(_("评分标准"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分标准")
        verbose_name_plural = _("评分标准")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_score__gt=0, max_score__lte=100),
                                   name="criterion_max_score_range"),
            models.UniqueConstraint(fields=["tender"], condition=Q(kind="price"),
                                    name="criterion_one_price_per_tender"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.max_score}分）"


class TenderKey(models.Model):
    """The tender's data key for its sealed bids (procurement.sealing), stored only wrapped by a
    key-encryption key that is not in the database (core.crypto; kek_id names it)."""

    tender = models.OneToOneField(Tender, verbose_name=_("采购项目"), on_delete=models.CASCADE,
                                  primary_key=True, related_name="sealing_key")
    kek_id = models.CharField(_("密钥加密密钥编号"), max_length=50)
    wrapped_key = models.BinaryField(_("封装的数据密钥"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("轮换时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("密封密钥")
        verbose_name_plural = _("密封密钥")

    def __str__(self) -> str:
        return f"{self.tender_id}:{self.kek_id}"


class BidQuerySet(models.QuerySet):
    """Bids; ``unsealed()`` decrypts sealed ones in memory as they load (for the bidder's own
    read-back before opening, procurement.sealing; the selectors scope who gets them)."""

    _unseal = False

    def unsealed(self):
        clone = self._chain()
        clone._unseal = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._unseal = self._unseal
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._unseal:
            from procurement.sealing import bids_unseal_in_memory

            bids_unseal_in_memory([b for b in self._result_cache if isinstance(b, Bid)])


class Bid(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已递交")
        WITHDRAWN = "withdrawn", _("已撤回")
        QUALIFIED = "qualified", _("通过资格审查")
        DISQUALIFIED = "disqualified", _("未通过资格审查")

    tender = models.ForeignKey(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                               related_name="bids")
    organization = models.ForeignKey(Organization, verbose_name=_("投标机构"),
                                     on_delete=models.PROTECT, related_name="bids")
    # Null and "" until the opening while the bid is sealed: sealed_price and sealed_proposal
    # then hold them encrypted (procurement.sealing); bids_open writes them back in clear.
    price = models.DecimalField(_("投标报价（元）"), null=True, blank=True, **MONEY)
    proposal = models.TextField(_("服务方案"), blank=True)
    sealed_price = models.BinaryField(_("密封的投标报价"), null=True, blank=True)
    sealed_proposal = models.BinaryField(_("密封的服务方案"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("递交时间"))
    # When the (last) submission reached the server, before any lock: the deadline is judged by
    # it, and the receipt shows it (procurement.services.arrival). Null on bids from before.
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    disqualification_reason = models.CharField(_("不合格理由"), max_length=200, blank=True)
    price_score = models.DecimalField(_("价格分"), max_digits=6, decimal_places=2, null=True,
                                      blank=True)
    final_score = models.DecimalField(_("综合得分"), max_digits=6, decimal_places=2, null=True,
                                      blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    # The tender version the bid answers: stamped at submission and at re-confirmation after
    # an amendment (procurement.services.amendments.bid_reconfirm).
    tender_version = models.PositiveIntegerField(_("所响应的采购文件版本"), null=True, blank=True)
    # Who answers for the bid, compared at opening across bids (87号令 37 视为串通).
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    project_manager = models.CharField(_("项目负责人"), max_length=50, blank=True)
    # The client address the bid was submitted from (core.middleware, TRUSTED_PROXY_COUNT).
    client_address = models.GenericIPAddressField(_("递交地址"), null=True, blank=True)
    # The social-work team the bid promises (its own 持证社工); the contract copies it.
    team = models.ManyToManyField(SocialWorkerProfile, verbose_name=_("承诺服务团队"), blank=True,
                                  related_name="+")

    objects = BidQuerySet.as_manager()

    class Meta:
        verbose_name = _("投标文件")
        verbose_name_plural = _("投标文件")
        ordering = ["tender", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "organization"], name="bid_one_per_org"),
            models.CheckConstraint(condition=Q(price__gt=0), name="bid_price_positive"),
            # A bid holds its price either in clear or sealed, never neither.
            models.CheckConstraint(condition=Q(price__isnull=False) | Q(sealed_price__isnull=False),
                                   name="bid_price_clear_or_sealed"),
        ]

    def __str__(self) -> str:
        # Before opening not even the bidder's name (the audit log and admin repeat this).
        if self.tender.opened_at is None:
            return f"{self.tender.code} · #{self.pk}"
        return f"{self.tender.code} · {self.organization.name}"

    def save(self, *args, **kwargs):
        # A bid decrypted in memory for its bidder (procurement.sealing) must never be written
        # back: that would store the sealed price and proposal in clear.
        fields = kwargs.get("update_fields")
        if getattr(self, "_unsealed_in_memory", False) and (
                fields is None or {"price", "proposal"} & set(fields)):
            raise RuntimeError("A bid unsealed in memory must not be saved with its price.")
        super().save(*args, **kwargs)
        plain = self.__dict__.pop("_sealed_plaintext", None)
        if plain is not None:  # just sealed (procurement.sealing.bid_seal): the caller keeps it
            self.price, self.proposal = plain
            self._unsealed_in_memory = True

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("_unsealed_in_memory", None)  # as stored again

    @property
    def is_sealed(self) -> bool:
        """Whether the price and proposal are stored encrypted (before opening)."""
        return self.sealed_price is not None

    def user_can_view(self, user) -> bool:
        """Return whether the user may read this bid's price, proposal and files (sealing)."""
        return user.has_perm("procurement.view_bid", self)

    def user_can_download_file(self, user) -> bool:
        """Return whether the user may download a file attached to this bid (same as viewing)."""
        return self.user_can_view(user)

    def open_stored_file(self, stored):
        """Decrypt one of the bid's sealed files for a download already allowed
        (core.files.stored_file_open); None for a file stored in clear."""
        from procurement.sealing import bid_file_open

        return bid_file_open(self, stored)

    def user_can_upload_file(self, user, at=None):
        """Return whether the user may attach a file to this bid (the bidder, before the
        deadline); ``at``: when the request arrived (default: the arrival being served,
        core.middleware.current_arrival, else now)."""
        from django.utils import timezone

        from core.authz import decide
        from core.middleware import current_arrival
        from core.permissions import deny

        at = at or current_arrival() or timezone.now()
        if (self.status != self.Status.SUBMITTED or self.tender.status != Tender.Status.PUBLISHED
                or at >= self.tender.bid_deadline):
            return deny(_("投标截止后不能再上传投标文件。"))
        return decide(user, "procurement.edit_bid", self)


# The documents a purchaser usually asks every bid for (招标文件 投标文件组成); free ones may be
# added at publication. A file not answering one of them is filed under OTHER_BID_DOCUMENT.
# Stored as these Chinese names (data, like a document's title); pages translate the known ones.
BID_DOCUMENT_KINDS = (
    gettext_noop("投标函"), gettext_noop("报价单"), gettext_noop("服务方案"),
    gettext_noop("资格证明文件"), gettext_noop("法定代表人授权书"), gettext_noop("社会组织登记证书"),
    gettext_noop("信用承诺书"), gettext_noop("项目团队及持证社工证明"),
)
OTHER_BID_DOCUMENT = gettext_noop("其他材料")


class BidDocument(models.Model):
    """The document kind a bid file answers (投标函, 报价单 …): one row per stored file."""

    bid = models.ForeignKey(Bid, verbose_name=_("投标文件"), on_delete=models.CASCADE,
                            related_name="documents")
    stored_file = models.OneToOneField("core.StoredFile", verbose_name=_("文件"),
                                       on_delete=models.CASCADE, related_name="bid_document")
    kind = models.CharField(_("材料名称"), max_length=100)

    class Meta:
        verbose_name = _("投标材料")
        verbose_name_plural = _("投标材料")
        ordering = ["bid", "id"]

    def __str__(self) -> str:
        return f"{self.kind}：{self.stored_file_id}"


class BidReceipt(models.Model):
    """A receipt (投标回执) given to the bidder for every submission, change of its files,
    withdrawal or re-confirmation: the arrival time to the second, the tender version when
    there is one, and SHA-256 digests of its price, proposal and each file, so the bidder can
    prove at opening that nothing changed. Never the price or proposal themselves."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("递交")
        FILES_CHANGED = "files_changed", _("修改附件")
        WITHDRAWN = "withdrawn", _("撤回")
        RECONFIRMED = "reconfirmed", _("重新确认")
        # The final quote of a 磋商/谈判 (最后报价): price_sha256 is the final quote's digest.
        FINAL_QUOTE = "final_quote", _("最后报价")

    bid = models.ForeignKey(Bid, verbose_name=_("投标文件"), on_delete=models.PROTECT,
                            related_name="receipts")
    number = models.CharField(_("回执编号"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    issued_at = models.DateTimeField(_("到达时间"))
    issued_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"),
                                  on_delete=models.PROTECT, related_name="+")
    tender_version = models.PositiveIntegerField(_("采购文件版本"), null=True, blank=True)
    price_sha256 = models.CharField(_("报价摘要（SHA-256）"), max_length=64)
    proposal_sha256 = models.CharField(_("服务方案摘要（SHA-256）"), max_length=64)
    files = models.JSONField(_("附件摘要"), default=list, blank=True)

    class Meta:
        verbose_name = _("投标回执")
        verbose_name_plural = _("投标回执")
        ordering = ["bid", "issued_at", "id"]

    def __str__(self) -> str:
        return self.number


class BidIntake(models.Model):
    """A bid received in a deadline rush and answered at once (202), entered by a worker.

    When a client asks for it (``Prefer: respond-async`` on the bid API,
    procurement.services.intake), the request checks who bids and the price's form, seals the
    whole submission with a key derived from the key-encryption key and saves it in this row
    with one statement that also checks the tender (published, arrival before the deadline)
    under a share lock; the server answers 202 with the arrival time. A worker (or the opening,
    which waits for every pending intake of its tender) then submits it through bid_submit
    exactly as the synchronous request would, judged by the recorded arrival: the row becomes
    ``accepted`` with the bid, or ``refused`` with the reason the service gave, and the content
    is erased (the bid keeps it, sealed). The submitter follows it at
    ``/api/v1/bid-intakes/<id>/`` and is notified unless it is accepted.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("登记中")
        ACCEPTED = "accepted", _("已登记")
        REFUSED = "refused", _("未被接受")
        FAILED = "failed", _("处理出错")

    tender = models.ForeignKey(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                               related_name="bid_intakes")
    organization = models.ForeignKey(Organization, verbose_name=_("投标机构"),
                                     on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"),
                                     on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField(_("到达时间"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.PENDING)
    content_type = models.CharField(_("内容类型"), max_length=200)
    # The submission (its fields and files), sealed (AES-256-GCM) under a key derived from the
    # key-encryption key kek_id (core.crypto.purpose_key); emptied once entered or refused.
    kek_id = models.CharField(_("密钥加密密钥编号"), max_length=50, blank=True)
    sealed_body = models.BinaryField(_("密封的投标请求"), blank=True, default=b"")
    body_bytes = models.PositiveIntegerField(_("请求大小（字节）"), default=0)
    client_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    language = models.CharField(_("语言"), max_length=10, blank=True)
    bid = models.ForeignKey(Bid, verbose_name=_("投标文件"), on_delete=models.SET_NULL,
                            null=True, blank=True, related_name="+")
    refusal_code = models.CharField(_("拒绝代码"), max_length=50, blank=True)
    refusal_message = models.TextField(_("拒绝理由"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投标登记")
        verbose_name_plural = _("投标登记")
        ordering = ["arrived_at", "id"]
        indexes = [models.Index(fields=["tender", "status"], name="bid_intake_tender_status"),
                   models.Index(fields=["status", "arrived_at"], name="bid_intake_status_arr")]

    def __str__(self) -> str:
        return f"{self.tender_id}:{self.pk}"


class BidFlag(models.Model):
    """A finding at opening that the committee weighs (never an automatic rejection or a
    message to a bidder): e.g. two bids whose organizations name the same legal representative
    (条例18). Seen by the purchaser and the committee (procurement.view_bidflag)."""

    class Kind(models.TextChoices):
        SAME_LEGAL_REPRESENTATIVE = "same_legal_representative", _("单位负责人相同（条例第十八条）")
        OUTDATED_VERSION = "outdated_version", _("响应的是更正前的采购文件（87号令第二十七条）")
        SAME_FILE = "same_file", _("投标文件相同（87号令第三十七条）")
        SAME_DOCUMENT_AUTHOR = "same_document_author", _("文件作者或单位相同（87号令第三十七条）")
        SAME_CONTACT = "same_contact", _("联系人、电话或项目负责人相同（87号令第三十七条）")
        PRICE_PATTERN = "price_pattern", _("报价呈规律性差异（87号令第三十七条）")
        SAME_CLIENT_ADDRESS = "same_client_address", _("同一地址相近时间递交（87号令第三十七条）")

    class Decision(models.TextChoices):
        PENDING = "", _("待评标委员会认定")
        CLEARED = "cleared", _("不构成串通，投标有效")
        COLLUSION = "collusion", _("视为串通投标，相关投标无效")

    tender = models.ForeignKey(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                               related_name="bid_flags")
    kind = models.CharField(_("类型"), max_length=40, choices=Kind.choices)
    reason = models.TextField(_("说明"))
    bids = models.ManyToManyField(Bid, verbose_name=_("涉及的投标文件"), related_name="flags")
    created_at = models.DateTimeField(_("标记时间"))
    # The committee's finding on the flag (collusion.bid_flag_decide), audited.
    decision = models.CharField(_("认定结论"), max_length=20, choices=Decision.choices,
                                blank=True, default=Decision.PENDING)
    decision_note = models.TextField(_("认定理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("认定人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("认定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("开标提示")
        verbose_name_plural = _("开标提示")
        ordering = ["tender", "id"]

    def __str__(self) -> str:
        return f"{self.tender.code} · {self.get_kind_display()}"


class TenderAmendment(models.Model):
    """A published amendment (更正公告) of a tender's documents: what changed, why, and the
    version it makes current (87号令第27条; 磋商办法第10条). An amendment that may affect how
    bids are prepared (影响投标文件编制) obliges every bidder that already submitted to
    re-confirm or resubmit, and moves the deadline when it came too late (see
    procurement.services.amendments). Public once published: the portal shows the history."""

    class Kind(models.TextChoices):
        AMENDMENT = "amendment", _("更正")
        CLARIFICATION = "clarification", _("澄清")
        EXTENSION = "extension", _("延期")

    tender = models.ForeignKey(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                               related_name="amendments")
    # 87号令第27条 treats 澄清 and 修改 alike; a deadline extension is an amendment too.
    kind = models.CharField(_("公告类型"), max_length=20, choices=Kind.choices,
                            default=Kind.AMENDMENT)
    version = models.PositiveIntegerField(_("更正后的采购文件版本"))
    content = models.TextField(_("更正事项及内容"))
    affects_bids = models.BooleanField(_("影响投标文件编制"), default=False)
    changes = models.JSONField(_("更正前后对照"), default=dict, blank=True)
    old_deadline = models.DateTimeField(_("原投标截止时间"))
    new_deadline = models.DateTimeField(_("更正后投标截止时间"))
    deadline_postponed_by_law = models.BooleanField(_("依法顺延截止时间"), default=False)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"),
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("更正公告")
        verbose_name_plural = _("更正公告")
        ordering = ["tender", "version"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "version"],
                                    name="amendment_one_per_version"),
            models.CheckConstraint(condition=Q(new_deadline__gte=F("old_deadline")),
                                   name="amendment_never_advances_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.code} · v{self.version}"
class TenderInvitation(models.Model):
    """An organization the purchaser invites to a tender: the invitation list of an 邀请招标
    (at least 3; only those invited may bid, 法34, 87号令14) or the one named supplier of a
    单一来源 (条例38). Fixed at publication, shown on the tender and, for 单一来源, on the
    public notice."""

    tender = models.ForeignKey(Tender, verbose_name=_("采购项目"), on_delete=models.CASCADE,
                               related_name="invitations")
    organization = models.ForeignKey(Organization, verbose_name=_("受邀供应商"),
                                     on_delete=models.PROTECT, related_name="tender_invitations")
    invited_at = models.DateTimeField(_("邀请时间"))

    class Meta:
        verbose_name = _("受邀供应商")
        verbose_name_plural = _("受邀供应商")
        ordering = ["tender", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "organization"],
                                    name="invitation_one_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.code} · {self.organization.name}"


class FinalQuoteRound(models.Model):
    """The final-quote round (最后报价) of a 磋商 or 谈判 after the discussions (磋商办法21、
    74号令33): every responsive bidder submits its last quote before ``deadline``; the quotes
    stay sealed until the round closes (all in, or the deadline passed)."""

    tender = models.OneToOneField(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                                  related_name="final_quote_round")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField(_("发起时间"))
    deadline = models.DateTimeField(_("最后报价截止时间"))
    closed_at = models.DateTimeField(_("揭晓时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("最后报价轮次")
        verbose_name_plural = _("最后报价轮次")
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gt=F("opened_at")),
                                   name="final_quote_round_deadline_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.code} · {_('最后报价')}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class FinalQuote(models.Model):
    """A bidder's last quote (最后报价) in the round; sealed until the round closes."""

    round = models.ForeignKey(FinalQuoteRound, verbose_name=_("最后报价轮次"),
                              on_delete=models.PROTECT, related_name="quotes")
    bid = models.OneToOneField(Bid, verbose_name=_("投标文件"), on_delete=models.PROTECT,
                               related_name="final_quote")
    # Null until the round closes: sealed_price holds it encrypted (procurement.sealing).
    price = models.DecimalField(_("最后报价（元）"), null=True, blank=True, **MONEY)
    sealed_price = models.BinaryField(_("密封的最后报价"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("递交时间"))

    class Meta:
        verbose_name = _("最后报价")
        verbose_name_plural = _("最后报价")
        ordering = ["round", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gt=0),
                                              name="final_quote_price_positive"),
                       models.CheckConstraint(
                           condition=Q(price__isnull=False) | Q(sealed_price__isnull=False),
                           name="final_quote_price_clear_or_sealed")]

    def __str__(self) -> str:
        return f"{self.round.tender.code} · {self.bid.organization.name}"


class Award(models.Model):
    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="award")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="award")
    amount = models.DecimalField(_("中标金额（元）"), **MONEY)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(_("定标时间"))
    reason = models.TextField(_("定标说明"), blank=True)
    # 条例43: confirmed within 5 working days of the evaluation report; later needs a reason.
    confirm_due = models.DateField(_("定标期限"), null=True, blank=True)
    late_reason = models.TextField(_("逾期定标理由"), blank=True)

    class Meta:
        verbose_name = _("中标结果")
        verbose_name_plural = _("中标结果")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive")]
        indexes = [models.Index(fields=["confirmed_at", "id"], name="award_confirmed_order")]

    def __str__(self) -> str:
        return f"{self.tender.code} → {self.bid.organization.name}"


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待签订")
        SIGNED = "signed", _("已签订")
        COMPLETED = "completed", _("已履约完毕")
        TERMINATED = "terminated", _("已解除")

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    project = models.OneToOneField(ServiceProject, on_delete=models.PROTECT, related_name="contract")
    code = models.CharField(_("合同编号"), max_length=30, unique=True)
    purchaser = models.ForeignKey(Organization, verbose_name=_("甲方（购买主体）"),
                                  on_delete=models.PROTECT, related_name="contracts_as_purchaser")
    supplier = models.ForeignKey(Organization, verbose_name=_("乙方（承接主体）"),
                                 on_delete=models.PROTECT, related_name="contracts_as_supplier")
    amount = models.DecimalField(_("合同金额（元）"), **MONEY)
    start_date = models.DateField(_("服务开始日期"))
    end_date = models.DateField(_("服务结束日期"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    purchaser_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    purchaser_signed_at = models.DateTimeField(_("甲方签订时间"), null=True, blank=True)
    supplier_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    supplier_signed_at = models.DateTimeField(_("乙方签订时间"), null=True, blank=True)
    # 法46: signed within 30 days of the award notice; a later signature states why.
    sign_due = models.DateField(_("签约期限"), null=True, blank=True)
    purchaser_late_reason = models.TextField(_("甲方逾期签订理由"), blank=True)
    supplier_late_reason = models.TextField(_("乙方逾期签订理由"), blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        ordering = ["-created_at", "-id"]
        # An object grant only (procurement.services.grants), never held at model level.
        permissions = [("evaluate_contract", _("第三方评估（只读合同及履约记录）"))]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")),
                                   name="contract_dates_ordered"),
            models.CheckConstraint(
                condition=~Q(status="signed")
                | Q(purchaser_signed_at__isnull=False, supplier_signed_at__isnull=False),
                name="contract_signed_by_both",
            ),
        ]
        indexes = [models.Index(fields=["created_at", "id"], name="contract_created_order"),
                   models.Index(fields=["supplier_signed_at", "id"], name="contract_signed_order")]

    def __str__(self) -> str:
        return f"{self.code}"

    @property
    def signed_late(self) -> bool:
        """Return whether a party signed after the 30-day limit of 法46 (with a reason)."""
        return bool(self.purchaser_late_reason or self.supplier_late_reason)


class ContractTeamMember(models.Model):
    """A 持证社工 of the contract's service team, copied from the winning bid at drafting.

    Name, level and certificate number are copied so that the contract keeps what was
    promised; a member leaves (left_at) or joins only through an approved ContractTeamChange.
    """

    contract = models.ForeignKey(Contract, verbose_name=_("合同"), on_delete=models.CASCADE,
                                 related_name="team")
    worker = models.ForeignKey(SocialWorkerProfile, verbose_name=_("社工"),
                               on_delete=models.PROTECT, related_name="contract_seats")
    name = models.CharField(_("姓名"), max_length=50)
    qualification = models.CharField(_("职业资格等级"), max_length=20,
                                     choices=SocialWorkerProfile.Qualification.choices)
    certificate_number = models.CharField(_("证书编号"), max_length=50)
    joined_at = models.DateTimeField(_("加入时间"))
    left_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("合同服务团队成员")
        verbose_name_plural = _("合同服务团队成员")
        ordering = ["contract", "joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "worker"], condition=Q(left_at__isnull=True),
                                    name="contract_team_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_qualification_display()} {self.certificate_number})"


class ContractTeamChange(models.Model):
    """The supplier asks to add or remove a team member; the purchaser approves or refuses."""

    class Action(models.TextChoices):
        ADD = "add", _("增加成员")
        REMOVE = "remove", _("撤换成员")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("不同意")

    contract = models.ForeignKey(Contract, verbose_name=_("合同"), on_delete=models.CASCADE,
                                 related_name="team_changes")
    action = models.CharField(_("变更类型"), max_length=10, choices=Action.choices)
    worker = models.ForeignKey(SocialWorkerProfile, verbose_name=_("社工"),
                               on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("变更理由"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("服务团队变更申请")
        verbose_name_plural = _("服务团队变更申请")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.contract} {self.get_action_display()} {self.worker}"


class TenderQuestion(models.Model):
    """A supplier's clarification question (澄清答疑); the answer is published to all bidders."""

    tender = models.ForeignKey(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                               related_name="questions")
    organization = models.ForeignKey(Organization, verbose_name=_("提问机构"),
                                     on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    question = models.TextField(_("问题"))
    asked_at = models.DateTimeField(_("提问时间"))
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    affects_responses = models.BooleanField(_("影响投标文件编制"), default=False)
    published = models.BooleanField(_("已公开"), default=False)
    # An answer affecting responses is published as a clarification amendment (87号令第27条).
    amendment = models.OneToOneField("TenderAmendment", verbose_name=_("澄清公告"), null=True,
                                     blank=True, on_delete=models.PROTECT,
                                     related_name="question")

    class Meta:
        verbose_name = _("澄清答疑")
        verbose_name_plural = _("澄清答疑")
        ordering = ["tender", "asked_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(question=""), name="question_not_empty"),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answer="", answered_by__isnull=True)
                | (Q(answered_at__isnull=False, answered_by__isnull=False) & ~Q(answer="")),
                name="question_answer_complete",
            ),
            models.CheckConstraint(condition=Q(published=False) | Q(answered_at__isnull=False),
                                   name="question_published_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.code} · Q{self.pk}"


class Challenge(models.Model):
    """A supplier's written challenge (质疑) of the document, a step or the result (法52)."""

    class Subject(models.TextChoices):
        DOCUMENT = "document", _("采购文件")
        STEP = "step", _("采购过程")
        RESULT = "result", _("中标结果")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待答复")
        ANSWERED = "answered", _("已答复")
        UPHELD = "upheld", _("质疑成立")
        REJECTED = "rejected", _("质疑不成立")
        WITHDRAWN = "withdrawn", _("已撤回")

    tender = models.ForeignKey(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                               related_name="challenges")
    organization = models.ForeignKey(Organization, verbose_name=_("质疑供应商"),
                                     on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    subject = models.CharField(_("质疑事项"), max_length=20, choices=Subject.choices)
    grounds = models.TextField(_("质疑事项及理由"))
    submitted_at = models.DateTimeField(_("提出时间"))
    answer_due = models.DateField(_("答复期限"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED, db_index=True)
    may_change_result = models.BooleanField(_("可能影响中标结果"), default=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_late = models.BooleanField(_("逾期答复"), default=False)
    late_reason = models.TextField(_("逾期答复理由"), blank=True)
    # A challenge of amended content names the amendment: its window counts from its
    # publication (87号令第27条; 94号令第11条).
    amendment = models.ForeignKey(TenderAmendment, verbose_name=_("质疑的更正公告"), null=True,
                                  blank=True, on_delete=models.PROTECT,
                                  related_name="challenges")

    class Remedy(models.TextChoices):
        NONE = "", _("尚未处理")
        REEVALUATE = "reevaluate", _("组织原评标委员会重新评审")
        NEXT_RANKED = "next_ranked", _("依次另行确定中标供应商")
        RETENDER = "retender", _("重新开展采购活动")

    # What the purchaser did about an upheld challenge that may change the result
    # (procurement.services.remedies); signing stays suspended until it is set.
    remedy = models.CharField(_("质疑成立后的处理"), max_length=20, choices=Remedy.choices,
                              blank=True, default=Remedy.NONE)
    remedy_reason = models.TextField(_("处理说明"), blank=True)
    remedied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    remedied_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("质疑")
        verbose_name_plural = _("质疑")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(grounds=""), name="challenge_grounds_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "withdrawn"], answered_at__isnull=True,
                            answer="")
                | (Q(status__in=["answered", "upheld", "rejected"], answered_at__isnull=False,
                     answered_by__isnull=False) & ~Q(answer="")),
                name="challenge_answer_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender.code} · {self.get_subject_display()} #{self.pk}"
