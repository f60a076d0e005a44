"""Public disclosure pages (公示) for anonymous visitors, and the OCDS release of each tender."""

from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from core.lists import KeysFirstPaginator
from evaluation.bid_report import public_evaluation_summary
from portal import selectors
from portal.ocds import build as ocds
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
        context["page"] = KeysFirstPaginator(type(self).selector(), PAGE_SIZE).get_page(
            self.request.GET.get("page"))
        return context


class TenderListView(_PublicListView):
    """List published tenders (采购公告), with the yearly OCDS downloads."""

    template_name = "portal/tender_list.html"
    selector = staticmethod(selectors.public_tender_list)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ocds_years"] = selectors.ocds_fiscal_years()
        return context


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


def _ocds_response(data: dict, filename: str) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _tender_process(pk: int) -> ocds.Process:
    """Return the contracting process of a published tender; 404 when it is not public."""
    tender = selectors.public_tender_get(pk=pk)
    project = selectors.ocds_project_list().filter(pk=tender.project_id).first()
    for process in ocds.project_processes(project) if project else ():
        if process.tender is not None and process.tender.pk == tender.pk:
            return process
    raise Http404


@require_GET
def tender_ocds_release(request, pk: int):
    """Return the OCDS release package of a published tender's contracting process."""
    process = _tender_process(pk)
    package = ocds.release_package([process], uri=request.build_absolute_uri())
    return _ocds_response(package, f"{process.ocid}-releases.json")


@require_GET
def tender_ocds_record(request, pk: int):
    """Return the OCDS record package (releases and compiled release) of a published tender."""
    process = _tender_process(pk)
    package = ocds.record_package([process], uri=request.build_absolute_uri())
    return _ocds_response(package, f"{process.ocid}-record.json")


def _year_processes(year: int) -> list[ocds.Process]:
    if not 2000 <= year <= 2999:  # fiscal_year is a small integer column: never query out of it
        raise Http404
    processes = [process for project in selectors.ocds_project_list(fiscal_year=year)
                 for process in ocds.project_processes(project)]
    if not processes:  # a package holds at least one release (OCDS schema)
        raise Http404
    return processes


@require_GET
def ocds_year_releases(request, year: int):
    """Bulk download: the release package of every procurement of a fiscal year."""
    package = ocds.release_package(_year_processes(year), uri=request.build_absolute_uri())
    return _ocds_response(package, f"ocds-{year}-releases.json")


@require_GET
def ocds_year_records(request, year: int):
    """Bulk download: the record package of every procurement of a fiscal year."""
    package = ocds.record_package(_year_processes(year), uri=request.build_absolute_uri())
    return _ocds_response(package, f"ocds-{year}-records.json")
