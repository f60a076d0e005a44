"""Search, filters and sort orders of the finance lists (core.lists)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.lists import choice, ordering, search, year
from finance.models import BudgetEnvelope, PaymentTranche
from procurement.models import FundingSource


class EnvelopeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（额度名称、区划）"),
                                  method=search(("name", "division__name")))
    fiscal_year = year("fiscal_year", _("预算年度"))
    funding_source = choice(FundingSource.choices, _("资金来源"), _("全部来源"))
    o = ordering(("name", _("预算额度")), ("fiscal_year", _("预算年度")),
                 ("amount", _("年度额度（元）")), default=_("默认排序（年度最新在前）"))

    class Meta:
        model = BudgetEnvelope
        fields = ["q", "fiscal_year", "funding_source"]


class TrancheFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索（合同编号、项目、承接机构、支付凭证号）"),
        method=search(("contract__code", "contract__project__title", "contract__supplier__name",
                       "payment__voucher_number")))
    status = choice(PaymentTranche.Status.choices, _("状态"), _("全部状态"))
    condition = choice(PaymentTranche.Condition.choices, _("拨付条件"), _("全部条件"))
    fiscal_year = year("contract__project__fiscal_year", _("预算年度"))
    o = ordering(("contract__code", _("合同编号")), ("contract__project__title", _("项目名称")),
                 ("amount", _("计划金额（元）")), ("payable_amount", _("核定金额（元）")),
                 default=_("默认排序（按合同、期次）"))

    class Meta:
        model = PaymentTranche
        fields = ["q", "status", "condition"]
