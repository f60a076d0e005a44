"""Public disclosure pages (公示) for anonymous visitors, and the OCDS release of each tender."""

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from evaluation.bid_report import public_evaluation_summary
from portal import selectors
from procurement.documents import contract_pdf_response

PAGE_SIZE = 20
INDEX_SIZE = 5


class PortalIndexView(TemplateView):
    """Public disclosure home: latest tenders, results, contracts, grades and declined needs."""

    template_name = "portal/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            tenders=list(selectors.public_tender_list()[:INDEX_SIZE]),
            awards=list(selectors.public_award_list()[:INDEX_SIZE]),
            contracts=list(selectors.public_contract_list()[:INDEX_SIZE]),
            grades=list(selectors.public_grade_list()[:INDEX_SIZE]),
            needs=list(selectors.public_declined_need_list()[:INDEX_SIZE]),
        )
        return context


class _PublicListView(TemplateView):
    selector = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(type(self).selector(), PAGE_SIZE).get_page(
            self.request.GET.get("page"))
        return context


class TenderListView(_PublicListView):
    """List published tenders (采购公告)."""

    template_name = "portal/tender_list.html"
    selector = staticmethod(selectors.public_tender_list)


class AwardListView(_PublicListView):
    """List award results (中标结果公告)."""

    template_name = "portal/award_list.html"
    selector = staticmethod(selectors.public_award_list)


class ContractListView(_PublicListView):
    """List signed contracts (合同公开)."""

    template_name = "portal/contract_list.html"
    selector = staticmethod(selectors.public_contract_list)


class GradeListView(_PublicListView):
    """List performance grades of closed projects (绩效评价结果公开)."""

    template_name = "portal/grade_list.html"
    selector = staticmethod(selectors.public_grade_list)


class DeclinedNeedListView(_PublicListView):
    """List declined needs with their published reasons."""

    template_name = "portal/need_list.html"
    selector = staticmethod(selectors.public_declined_need_list)


class TenderDetailView(TemplateView):
    """Show a published tender; the opening record (bidders, prices) only after opening."""

    template_name = "portal/tender_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tender = selectors.public_tender_get(pk=kwargs["pk"])
        context.update(
            tender=tender,
            opened=selectors.tender_is_opened(tender),
            bids=selectors.public_opening_record(tender=tender),
            award=getattr(tender, "award", None),
            evaluation=public_evaluation_summary(tender),  # ranking and committee, after award
            # 更正公告 and their history (87号令第27条: published where the tender was).
            amendments=list(tender.amendments.all()) if tender.version > 1 else [],
        )
        return context


class ContractDetailView(TemplateView):
    """Show the public summary of a signed contract with its payment schedule."""

    template_name = "portal/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contract"] = selectors.public_contract_get(pk=kwargs["pk"])
        return context


@require_GET
def contract_pdf_download(request, pk: int):
    """Download a signed contract's PDF (contracts are public, 102号令第23条)."""
    return contract_pdf_response(selectors.public_contract_get(pk=pk))


@require_GET
def tender_ocds_release(request, pk: int):
    """Return the OCDS-like JSON release of a published tender."""
    tender = selectors.public_tender_get(pk=pk)
    return JsonResponse(selectors.public_tender_release(tender=tender),
                        json_dumps_params={"ensure_ascii": False})
