"""The contract (合同) and bid receipt (投标回执) PDFs, built from their data, and their downloads.

The context builder returns plain JSON data with display-ready strings (core.documents stores the
context and renders from it) and runs a fixed number of queries.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.http import HttpResponse
from django.utils import timezone

from core.documents import document_bytes, document_ensure, pdf_attachment
from core.models import Document
from procurement.models import BidReceipt, Contract

CONTRACT_TEMPLATE = "documents/contract.html"
RECEIPT_TEMPLATE = "documents/bid_receipt.html"

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


def money_text(value) -> str:
    """Return the amount as 1,234.50 (empty for None)."""
    return f"{Decimal(value):,.2f}" if value is not None else ""


def date_text(value) -> str:
    """Return the date (or the local date of a datetime) as 2026年3月1日."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def party_data(org) -> dict:
    """Return a contract party's name, credit code, representative and contact."""
    return {"name": org.name, "credit_code": org.credit_code, "legal_representative": org.legal_representative,
            "contact_person": org.contact_person, "contact_phone": org.contact_phone}


def contract_context(contract: Contract) -> dict:
    """Return the PDF context of a contract in four queries (contract, deliverables, tranches,
    service team)."""
    contract = Contract.objects.select_related(
        "project__community", "purchaser", "supplier", "award__bid__tender",
        "purchaser_signed_by", "supplier_signed_by",
    ).get(pk=contract.pk)
    project = contract.project
    deliverables = [
        {"activity": d.get_activity_type_display(), "description": d.description, "quantity": d.quantity,
         "unit": d.unit, "unit_price": money_text(d.unit_price), "amount": money_text(d.amount),
         "min_quality": d.min_quality}
        for d in project.deliverables.all()
    ]
    tranches = [
        {"sequence": t.sequence, "condition": t.get_condition_display(), "percent": f"{t.percent:.2f}",
         "amount": money_text(t.amount)}
        for t in contract.tranches.all().order_by("sequence")
    ]
    # The social-work team the bid promised (issue 7 item 17), as it stands now.
    team = [
        {"name": m.name, "qualification": m.get_qualification_display(),
         "certificate_number": m.certificate_number}
        for m in contract.team.filter(left_at__isnull=True).order_by("joined_at", "pk")
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
        "purchaser": party_data(contract.purchaser),
        "supplier": party_data(contract.supplier),
        "amount": money_text(contract.amount),
        "amount_in_words": amount_in_chinese(contract.amount),
        "start_date": date_text(contract.start_date),
        "end_date": date_text(contract.end_date),
        "deliverables": deliverables,
        "tranches": tranches,
        "team": team,
        "purchaser_signed_by": str(contract.purchaser_signed_by or ""),
        "purchaser_signed_at": date_text(contract.purchaser_signed_at),
        "supplier_signed_by": str(contract.supplier_signed_by or ""),
        "supplier_signed_at": date_text(contract.supplier_signed_at),
        "status": contract.get_status_display(),
    }


def contract_pdf(contract: Contract) -> Document:
    """Return the contract's PDF document, rendering it if its data changed."""
    return document_ensure(owner=contract, kind="contract", template_name=CONTRACT_TEMPLATE,
                           context=contract_context(contract))


def contract_pdf_response(contract: Contract) -> HttpResponse:
    """Build the contract PDF and return it as an attachment."""
    return pdf_attachment(data=document_bytes(contract_pdf(contract)),
                          filename=f"服务合同-{contract.code}.pdf",
                          fallback=f"contract-{contract.code}.pdf")


def bid_receipt_context(receipt: BidReceipt) -> dict:
    """Return the receipt's data: who, what, when (to the second) and the digests; no price."""
    bid, tender = receipt.bid, receipt.bid.tender
    return {
        "title": f"投标回执 {receipt.number}",
        "number": receipt.number,
        "kind": str(receipt.get_kind_display()),
        "issued_at": timezone.localtime(receipt.issued_at).strftime("%Y-%m-%d %H:%M:%S"),
        "tender": {"code": tender.code, "title": tender.title,
                   "deadline": timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M")},
        "tender_version": receipt.tender_version,
        "organization": {"name": bid.organization.name,
                         "credit_code": bid.organization.credit_code},
        "issued_to": receipt.issued_to.display_name,
        "price_sha256": receipt.price_sha256,
        "proposal_sha256": receipt.proposal_sha256,
        "files": list(receipt.files),
    }


def bid_receipt_pdf_response(receipt: BidReceipt) -> HttpResponse:
    """Build the receipt PDF and return it as an attachment."""
    document = document_ensure(owner=receipt, kind="bid_receipt", template_name=RECEIPT_TEMPLATE,
                               context=bid_receipt_context(receipt))
    return pdf_attachment(data=document_bytes(document), filename=f"投标回执-{receipt.number}.pdf",
                          fallback=f"receipt-{receipt.number}.pdf")
