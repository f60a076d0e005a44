"""Contract (合同) and performance report (绩效评价报告) PDFs built from the domain data.

The context builders return plain JSON data with display-ready strings (core.documents stores the
context and renders from it) and run a fixed number of queries.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Avg, Count
from django.utils import timezone

from core.documents import document_ensure
from core.models import Document
from delivery.models import ServiceRecord
from evaluation.models import EvaluationParty, PerformanceEvaluation
from procurement.models import Contract, IndicatorCategory

CONTRACT_TEMPLATE = "documents/contract.html"
PERFORMANCE_TEMPLATE = "documents/performance_report.html"

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万"]


def amount_in_chinese(amount: Decimal) -> str:
    """Return the amount in Chinese capital numerals (人民币大写), e.g. 贰拾柒万元整."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    prefix = "负" if amount < 0 else ""
    cents = int(abs(amount) * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if yuan >= 10**16:
        raise ValueError("amount too large")
    out = ""
    digits = str(yuan)
    length = len(digits)
    pending_zero = False
    for i, char in enumerate(digits):
        pos = length - 1 - i
        if char == "0":
            pending_zero = True
        else:
            if pending_zero and out:
                out += "零"
            pending_zero = False
            out += _DIGITS[int(char)] + _UNITS[pos % 4]
        if pos % 4 == 0 and pos > 0 and any(c != "0" for c in digits[max(0, i - 3): i + 1]):
            out += _SECTIONS[pos // 4]
    if yuan:
        out += "元"
    if not jiao and not fen:
        return prefix + (out or "零元") + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    else:
        out += "整"
    return prefix + out


def _money(value) -> str:
    return f"{Decimal(value):,.2f}" if value is not None else ""


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _party(org) -> dict:
    return {"name": org.name, "credit_code": org.credit_code, "legal_representative": org.legal_representative,
            "contact_person": org.contact_person, "contact_phone": org.contact_phone}


def contract_context(contract: Contract) -> dict:
    """Return the PDF context of a contract in three queries."""
    contract = Contract.objects.select_related(
        "project__community", "purchaser", "supplier", "award__bid__tender",
        "purchaser_signed_by", "supplier_signed_by",
    ).get(pk=contract.pk)
    project = contract.project
    deliverables = [
        {"activity": d.get_activity_type_display(), "description": d.description, "quantity": d.quantity,
         "unit": d.unit, "unit_price": _money(d.unit_price), "amount": _money(d.amount),
         "min_quality": d.min_quality}
        for d in project.deliverables.all()
    ]
    tranches = [
        {"sequence": t.sequence, "condition": t.get_condition_display(), "percent": f"{t.percent:.2f}",
         "amount": _money(t.amount)}
        for t in contract.tranches.all().order_by("sequence")
    ]
    tender = contract.award.bid.tender
    return {
        "title": f"政府购买服务合同（{contract.code}）",
        "code": contract.code,
        "project": {"code": project.code, "title": project.title, "objectives": project.objectives,
                    "target_groups": project.target_groups, "community": project.community.name,
                    "category": project.get_category_display(), "fiscal_year": project.fiscal_year,
                    "funding_source": project.get_funding_source_display()},
        "tender": {"code": tender.code, "method": tender.get_method_display()},
        "purchaser": _party(contract.purchaser),
        "supplier": _party(contract.supplier),
        "amount": _money(contract.amount),
        "amount_in_words": amount_in_chinese(contract.amount),
        "start_date": _date(contract.start_date),
        "end_date": _date(contract.end_date),
        "deliverables": deliverables,
        "tranches": tranches,
        "purchaser_signed_by": str(contract.purchaser_signed_by or ""),
        "purchaser_signed_at": _date(contract.purchaser_signed_at),
        "supplier_signed_by": str(contract.supplier_signed_by or ""),
        "supplier_signed_at": _date(contract.supplier_signed_at),
        "status": contract.get_status_display(),
    }


def contract_pdf(contract: Contract) -> Document:
    """Return the contract's PDF document, rendering it if its data changed."""
    return document_ensure(owner=contract, kind="contract", template_name=CONTRACT_TEMPLATE,
                           context=contract_context(contract))


def performance_report_context(evaluation: PerformanceEvaluation) -> dict:
    """Return the PDF context of a performance evaluation in five queries."""
    evaluation = PerformanceEvaluation.objects.select_related(
        "contract__project__community", "contract__purchaser", "contract__supplier", "third_party_expert",
    ).get(pk=evaluation.pk)
    contract = evaluation.contract
    project = contract.project
    counts = dict(
        ServiceRecord.objects.filter(contract=contract).values_list("deliverable_id")
        .annotate(n=Count("id")).values_list("deliverable_id", "n")
    )
    satisfaction = evaluation.satisfaction_responses.aggregate(avg=Avg("score"), n=Count("id"))
    indicators = []
    for indicator in project.indicators.all():
        if indicator.category == IndicatorCategory.OUTPUT and indicator.deliverable_id:
            actual = str(counts.get(indicator.deliverable_id, 0))
        elif indicator.category == IndicatorCategory.SATISFACTION and satisfaction["n"]:
            actual = f"{Decimal(str(satisfaction['avg'])):.2f}"
        else:
            actual = "—"
        indicators.append({"category": indicator.get_category_display(), "name": indicator.name,
                           "target": f"{indicator.target.normalize():f}", "unit": indicator.unit,
                           "actual": actual})
    weights = settings.PLATFORM_RULES["PARTY_WEIGHTS"]
    parties = [
        {"party": EvaluationParty(ps.party).label, "weight": weights.get(ps.party, ""),
         "score": f"{ps.score:.2f}",
         "categories": [{"name": IndicatorCategory(k).label, "score": v} for k, v in ps.category_scores.items()],
         "comment": ps.comment}
        for ps in evaluation.party_scores.all()
    ]
    if satisfaction["n"]:
        parties.append({"party": EvaluationParty.RESIDENTS.label, "weight": weights["residents"],
                        "score": f"{Decimal(str(satisfaction['avg'])):.2f}",
                        "categories": [], "comment": f"{satisfaction['n']} 份答卷"})
    return {
        "title": f"绩效评价报告（{project.code}）",
        "project": {"code": project.code, "title": project.title, "community": project.community.name,
                    "fiscal_year": project.fiscal_year},
        "contract": {"code": contract.code, "amount": _money(contract.amount),
                     "start_date": _date(contract.start_date), "end_date": _date(contract.end_date)},
        "purchaser": _party(contract.purchaser),
        "supplier": _party(contract.supplier),
        "third_party_expert": str(evaluation.third_party_expert or ""),
        "indicators": indicators,
        "parties": parties,
        "records_total": sum(counts.values()),
        "total": f"{evaluation.total:.2f}" if evaluation.total is not None else "",
        "grade": evaluation.get_grade_display() if evaluation.grade else "",
        "status": evaluation.get_status_display(),
        "finalized_at": _date(evaluation.finalized_at),
    }


def performance_report_pdf(evaluation: PerformanceEvaluation) -> Document:
    """Return the performance report PDF document, rendering it if its data changed."""
    return document_ensure(owner=evaluation, kind="performance_report", template_name=PERFORMANCE_TEMPLATE,
                           context=performance_report_context(evaluation))
