"""Budget envelopes, commitments, payment tranches and payments (the money ledger)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Division, Organization
from procurement.models import MONEY, Contract, FundingSource, ServiceProject


class BudgetEnvelope(models.Model):
    """A fiscal year's money for community-service purchases from one funding source."""

    fiscal_year = models.PositiveSmallIntegerField(_("预算年度"))
    funding_source = models.CharField(_("资金来源"), max_length=20, choices=FundingSource.choices)
    division = models.ForeignKey(Division, verbose_name=_("区划"), on_delete=models.PROTECT,
                                 related_name="budget_envelopes")
    finance_bureau = models.ForeignKey(
        Organization, verbose_name=_("财政部门"), on_delete=models.PROTECT,
        related_name="budget_envelopes", limit_choices_to={"kind": Organization.Kind.FINANCE},
    )
    name = models.CharField(_("名称"), max_length=200)
    amount = models.DecimalField(_("年度预算额度（元）"), **MONEY)
    # The ledger's sums over the envelope's commitments, contracts and payments, kept here so
    # the ledger reads one row per envelope however many projects it funds (issue 11 item 3).
    # Written only by finance.services.ledger.envelope_totals_refresh, from those rows, in the
    # transaction that changed them (finance.receivers); ``manage.py ledger_totals --check``.
    committed_total = models.DecimalField(_("已占用（元）"), default=0, editable=False, **MONEY)
    contracted_total = models.DecimalField(_("已签合同（元）"), default=0, editable=False, **MONEY)
    paid_total = models.DecimalField(_("已拨付（元）"), default=0, editable=False, **MONEY)

    TOTALS = ("committed_total", "contracted_total", "paid_total")

    class Meta:
        verbose_name = _("年度预算额度")
        verbose_name_plural = _("年度预算额度")
        ordering = ["-fiscal_year", "division", "funding_source"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "funding_source", "division"],
                                    name="envelope_unique_year_source_division"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="envelope_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        """Save without the totals unless named: an envelope read before a commitment or a
        payment changed them must not write its stale copy back (an admin edit, a rename)."""
        if update_fields is None and not self._state.adding:
            update_fields = [f.name for f in self._meta.concrete_fields
                             if not f.primary_key and f.name not in self.TOTALS]
        super().save(*args, update_fields=update_fields, **kwargs)


class BudgetCommitment(models.Model):
    """Money of an envelope reserved for one approved service project."""

    class Status(models.TextChoices):
        COMMITTED = "committed", _("已占用")
        RELEASED = "released", _("已释放")

    envelope = models.ForeignKey(BudgetEnvelope, verbose_name=_("预算额度"), on_delete=models.PROTECT,
                                 related_name="commitments")
    project = models.OneToOneField(ServiceProject, verbose_name=_("服务项目"),
                                   on_delete=models.PROTECT, related_name="budget_commitment")
    amount = models.DecimalField(_("占用金额（元）"), **MONEY)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.COMMITTED)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    committed_at = models.DateTimeField(_("确认时间"))
    comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("预算占用")
        verbose_name_plural = _("预算占用")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="commitment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.amount}"


class PaymentTranche(models.Model):
    class Condition(models.TextChoices):
        ON_SIGNING = "on_signing", _("合同签订后")
        MID_TERM = "mid_term", _("中期验收后")
        FINAL = "final", _("终期验收及绩效评价后")

    class Status(models.TextChoices):
        PENDING = "pending", _("未到拨付条件")
        DUE = "due", _("待审核拨付")
        APPROVED = "approved", _("已审核，待支付")
        PAID = "paid", _("已支付")
        WITHHELD = "withheld", _("暂缓/扣减")

    contract = models.ForeignKey(Contract, verbose_name=_("合同"), on_delete=models.PROTECT,
                                 related_name="tranches")
    sequence = models.PositiveSmallIntegerField(_("期次"))
    condition = models.CharField(_("拨付条件"), max_length=20, choices=Condition.choices)
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("计划金额（元）"), **MONEY)
    payable_amount = models.DecimalField(_("核定金额（元）"), null=True, blank=True, **MONEY)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("付款节点")
        verbose_name_plural = _("付款节点")
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="tranche_unique_sequence"),
            models.CheckConstraint(condition=Q(percent__gt=0, percent__lte=100),
                                   name="tranche_percent_range"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="tranche_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(payable_amount__isnull=True) | Q(payable_amount__lte=models.F("amount")),
                name="tranche_payable_not_above_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} 第{self.sequence}期"


class Payment(models.Model):
    tranche = models.OneToOneField(PaymentTranche, verbose_name=_("付款节点"),
                                   on_delete=models.PROTECT, related_name="payment")
    amount = models.DecimalField(_("支付金额（元）"), **MONEY)
    voucher_number = models.CharField(_("支付凭证号"), max_length=50, unique=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    paid_at = models.DateTimeField(_("支付时间"))

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["-paid_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_non_negative")]

    def __str__(self) -> str:
        return f"{self.voucher_number} {self.amount}"
