"""Bid evaluation (committees, score sheets) and performance evaluation (绩效评价)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from procurement.models import Bid, Contract, Tender, TenderCriterion


class EvaluationCommittee(models.Model):
    tender = models.OneToOneField(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                                  related_name="committee")
    formed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    formed_at = models.DateTimeField(_("组建时间"))
    draw_seed = models.CharField(_("抽取随机种子"), max_length=64,
                                 help_text=_("记录随机抽取的种子，便于复核抽取过程。"))

    class Meta:
        verbose_name = _("评标委员会")
        verbose_name_plural = _("评标委员会")

    def __str__(self) -> str:
        return f"{self.tender.code} 评标委员会"


class CommitteeMember(models.Model):
    committee = models.ForeignKey(EvaluationCommittee, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评审专家"),
                               on_delete=models.PROTECT, related_name="committee_seats")
    is_chair = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("评标委员会成员")
        verbose_name_plural = _("评标委员会成员")
        ordering = ["committee", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "expert"], name="committee_member_once"),
            models.UniqueConstraint(fields=["committee"], condition=Q(is_chair=True),
                                    name="committee_one_chair"),
        ]

    def __str__(self) -> str:
        return str(self.expert)


class ScoreSheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("评分中")
        SUBMITTED = "submitted", _("已提交")

    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="sheets")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="score_sheets")
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [
            models.UniqueConstraint(fields=["member", "bid"], name="score_sheet_once"),
            models.CheckConstraint(condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                                   name="score_sheet_total_range"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.bid}"


class ScoreItem(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="items")
    criterion = models.ForeignKey(TenderCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("评分项得分")
        verbose_name_plural = _("评分项得分")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_item_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_item_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class ScoreCorrection(models.Model):
    """A change to a submitted score, allowed only for the reasons in 87号令 art 64."""

    class Reason(models.TextChoices):
        ARITHMETIC = "arithmetic", _("分值汇总计算错误")
        OUT_OF_RANGE = "out_of_range", _("分项评分超出评分标准规定的分值范围")
        OBJECTIVE_INCONSISTENT = "objective", _("客观评审因素评分不一致")
        ABNORMAL = "abnormal", _("经评标委员会认定评分畸高、畸低")

    item = models.ForeignKey(ScoreItem, on_delete=models.PROTECT, related_name="corrections")
    old_score = models.DecimalField(max_digits=6, decimal_places=2)
    new_score = models.DecimalField(max_digits=6, decimal_places=2)
    reason = models.CharField(_("修改理由"), max_length=20, choices=Reason.choices)
    explanation = models.TextField(_("说明"))
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评分修改记录")
        verbose_name_plural = _("评分修改记录")

    def __str__(self) -> str:
        return f"{self.old_score} → {self.new_score} ({self.get_reason_display()})"


class TieDraw(models.Model):
    """A recorded random draw that orders bids the ranking and the tie rule left tied (87号令 57).

    ``groups`` is [{"rank": r, "bids": [ids ascending], "order": [ids as drawn]}]; the order is
    ``evaluation.rules.draw_order(bids, seed, rank)``, so anyone holding the seed can replay it.
    """

    tender = models.OneToOneField(Tender, verbose_name=_("采购项目"), on_delete=models.PROTECT,
                                  related_name="tie_draw")
    seed = models.CharField(_("抽签随机种子"), max_length=64,
                            help_text=_("记录抽签的随机种子，任何人可据此复核抽签结果。"))
    groups = models.JSONField(_("并列投标与抽签结果"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抽签人"),
                                 on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("抽签时间"))

    class Meta:
        verbose_name = _("并列排名随机抽签")
        verbose_name_plural = _("并列排名随机抽签")

    def __str__(self) -> str:
        return f"{self.tender.code} 随机抽签"


class EvaluationParty(models.TextChoices):
    PURCHASER = "purchaser", _("购买主体")
    COMMUNITY = "community", _("社区")
    THIRD_PARTY = "third_party", _("第三方专家")
    RESIDENTS = "residents", _("服务对象满意度")
    SELF = "self", _("承接机构自评")


class PerformanceEvaluation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("评价中")
        FINALIZED = "finalized", _("已完成")

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优")
        GOOD = "good", _("良")
        FAIR = "fair", _("中")
        POOR = "poor", _("差")

    contract = models.OneToOneField(Contract, verbose_name=_("合同"), on_delete=models.PROTECT,
                                    related_name="performance_evaluation")
    third_party_expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("第三方评估专家"),
                                           null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("开始时间"))
    total = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("等级"), max_length=20, choices=Grade.choices, blank=True)
    finalized_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("绩效评价")
        verbose_name_plural = _("绩效评价")
        # The list's order (-opened_at, -id): a page is read from the index.
        indexes = [models.Index(fields=["opened_at", "id"], name="evaluation_opened_order"),
                   # the public grades (portal: -finalized_at, -id)
                   models.Index(fields=["finalized_at", "id"], name="evaluation_finalized_order")]
        constraints = [
            models.CheckConstraint(condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                                   name="evaluation_total_range"),
            models.CheckConstraint(
                condition=~Q(status="finalized") | (Q(total__isnull=False) & ~Q(grade="")),
                name="evaluation_finalized_has_grade",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} 绩效评价"


class PartyScore(models.Model):
    """One evaluating party's scores by indicator category (budget/output/effect/satisfaction)."""

    evaluation = models.ForeignKey(PerformanceEvaluation, on_delete=models.CASCADE,
                                   related_name="party_scores")
    party = models.CharField(_("评价主体"), max_length=20, choices=EvaluationParty.choices)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    category_scores = models.JSONField(_("分项得分"), default=dict)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("评价意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("评价主体得分")
        verbose_name_plural = _("评价主体得分")
        ordering = ["evaluation", "party"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "party"], name="party_score_once"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="party_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.score}"


class SatisfactionResponse(models.Model):
    """A resident's answer to the satisfaction survey of a project in performance review."""

    evaluation = models.ForeignKey(PerformanceEvaluation, on_delete=models.CASCADE,
                                   related_name="satisfaction_responses")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("满意度（0–100）"))
    comment = models.TextField(_("意见建议"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("满意度调查答卷")
        verbose_name_plural = _("满意度调查答卷")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "resident"], name="satisfaction_once"),
            models.CheckConstraint(condition=Q(score__lte=100), name="satisfaction_range"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.score}"
