"""Procurement rules read from settings.PLATFORM_RULES: budget category shares, split purchases."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from procurement.models import BudgetCategory, ServiceProject

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def _percent(value) -> Decimal:
    return Decimal(str(value))


def _limit_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _label(category: str) -> str:
    return str(dict(BudgetCategory.choices).get(category, category))


def budget_category_caps() -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Return {category: (min %, max %)} from PLATFORM_RULES["BUDGET_CATEGORY_CAPS"] (empty: off)."""
    caps = settings.PLATFORM_RULES.get("BUDGET_CATEGORY_CAPS") or {}
    result = {}
    for category, limits in caps.items():
        low, high = (limits or {}).get("min"), (limits or {}).get("max")
        result[category] = (None if low is None else _percent(low),
                            None if high is None else _percent(high))
    return result


def _amounts(lines: Iterable) -> dict[str, Decimal]:
    """Return {category: amount} from dicts or BudgetLine rows."""
    amounts: dict[str, Decimal] = {}
    for line in lines:
        if isinstance(line, dict):
            category, amount = line["category"], line["amount"]
        else:
            category, amount = line.category, line.amount
        amounts[category] = amounts.get(category, Decimal("0")) + Decimal(str(amount))
    return amounts


def budget_category_shares(lines: Iterable) -> dict[str, Decimal]:
    """Return each category's share of the total in percent, rounded to 2 places (half up)."""
    amounts = _amounts(lines)
    total = sum(amounts.values(), Decimal("0"))
    if total <= 0:
        return {category: Decimal("0.00") for category in amounts}
    return {category: (amount * HUNDRED / total).quantize(CENT, rounding=ROUND_HALF_UP)
            for category, amount in amounts.items()}


def budget_category_violations(lines: Iterable) -> list[str]:
    """Return one Chinese message per category whose share is outside its configured limits."""
    shares = budget_category_shares(lines)
    messages = []
    for category, (low, high) in budget_category_caps().items():
        share = shares.get(category, Decimal("0.00"))
        params = {"category": _label(category), "share": share}
        if low is not None and share < low:
            messages.append(_("预算科目“%(category)s”占预算总额 %(share)s%%，低于下限 %(limit)s%%。")
                            % {**params, "limit": _limit_text(low)})
        if high is not None and share > high:
            messages.append(_("预算科目“%(category)s”占预算总额 %(share)s%%，超过上限 %(limit)s%%。")
                            % {**params, "limit": _limit_text(high)})
    return messages


def check_budget_category_caps(lines: Iterable) -> None:
    """Refuse budget lines whose category shares break PLATFORM_RULES["BUDGET_CATEGORY_CAPS"]."""
    messages = budget_category_violations(lines)
    if messages:
        raise ServiceError([ServiceError(message, code="budget_caps") for message in messages])


def budget_caps_text() -> str:
    """Return the configured category limits as one Chinese sentence ("" when the rule is off)."""
    parts = []
    for category, (low, high) in budget_category_caps().items():
        if low is not None and high is not None:
            parts.append(_("%(category)s %(low)s%%–%(high)s%%") % {
                "category": _label(category), "low": _limit_text(low), "high": _limit_text(high)})
        elif low is not None:
            parts.append(_("%(category)s ≥ %(low)s%%") % {"category": _label(category),
                                                          "low": _limit_text(low)})
        elif high is not None:
            parts.append(_("%(category)s ≤ %(high)s%%") % {"category": _label(category),
                                                           "high": _limit_text(high)})
    if not parts:
        return ""
    return _("预算科目占比要求：%(limits)s。") % {"limits": "；".join(parts)}


def budget_shares_text(lines: Iterable) -> str:
    """Return the computed category shares as one Chinese sentence."""
    shares = budget_category_shares(lines)
    if not shares:
        return ""
    return _("当前占比：%(shares)s。") % {"shares": "；".join(
        f"{_label(category)} {share}%" for category, share in shares.items())}


def split_purchase_warning(*, project) -> str | None:
    """Return a 化整为零 warning when the purchaser's same-category projects of the year reach the
    open-tender threshold while this project alone stays below it (条例28), else None."""
    threshold = settings.PLATFORM_RULES["OPEN_TENDER_THRESHOLD"]
    if project.budget_amount >= threshold:
        return None
    # Drafts are the community's sketches the purchaser has not received; cancelled ones buy nothing.
    others = (ServiceProject.objects
              .filter(purchaser_id=project.purchaser_id, category=project.category,
                      fiscal_year=project.fiscal_year)
              .exclude(pk=project.pk)
              .exclude(status__in=[ServiceProject.Status.DRAFT, ServiceProject.Status.CANCELLED])
              .aggregate(total=Sum("budget_amount"), count=Count("pk")))
    total = (others["total"] or Decimal("0.00")) + project.budget_amount
    if total < threshold:
        return None
    return _(
        "%(year)s年度本购买主体“%(category)s”类服务项目预算合计 %(total)s 元（含本项目 %(amount)s 元，"
        "共 %(count)d 个项目），已达到公开招标数额标准 %(threshold)s 元。将同一需求拆分为多个低于限额的"
        "采购属于化整为零规避公开招标（政府采购法实施条例第二十八条），请核实。"
    ) % {"year": project.fiscal_year, "category": project.get_category_display(),
         "total": total, "amount": project.budget_amount, "count": others["count"] + 1,
         "threshold": threshold}
