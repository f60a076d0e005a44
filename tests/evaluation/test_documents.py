import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from evaluation.documents import performance_report_context, performance_report_pdf
from evaluation.models import PerformanceEvaluation
from evaluation.services.performance import party_score_submit, satisfaction_submit
from procurement.documents import amount_in_chinese, contract_context, contract_pdf
from tests.factories import ServiceRecordFactory
from tests.worlds import contract_signed, supplier_staff_of


@pytest.mark.parametrize(("amount", "words"), [
    (D("270000.00"), "贰拾柒万元整"),
    (D("1005000.50"), "壹佰万零伍仟元伍角整"),
    (D("100000000"), "壹亿元整"),
    (D("10010.01"), "壹万零壹拾元零壹分"),
    (D("0.05"), "伍分"),
    (D("0"), "零元整"),
    (D("12345678.9"), "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整"),
    (D("100000001"), "壹亿零壹元整"),
])
def test_amount_in_chinese(amount, words):
    assert amount_in_chinese(amount) == words


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None}}}
    settings.MEDIA_ROOT = tmp_path / "files"


def _pdf(doc):
    with doc.file.open("rb") as fh:
        return PdfReader(io.BytesIO(fh.read()))


def _embedded_cjk_fonts(reader) -> set[str]:
    found = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            base = str(font.get("/BaseFont", ""))
            candidates = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            for f in candidates:
                desc = f.get("/FontDescriptor")
                if desc is None:
                    continue
                desc = desc.get_object()
                if ("/FontFile2" in desc or "/FontFile3" in desc) and any(
                        n in base for n in ("CJK", "WenQuanYi", "Noto")):
                    found.add(base)
    return found


@pytest.mark.django_db
def test_contract_pdf_has_data_and_embedded_cjk_font(world, storage, django_assert_max_num_queries):
    contract = contract_signed(world)
    with django_assert_max_num_queries(4):  # contract, deliverables, tranches, service team
        context = contract_context(contract)
    assert context["amount_in_words"] == "贰拾柒万元整"
    doc = contract_pdf(contract)
    reader = _pdf(doc)
    text = "".join(page.extract_text() for page in reader.pages)
    for needle in (contract.project.code, contract.code, contract.purchaser.name, contract.supplier.name,
                   contract.supplier.credit_code, "270,000.00", "贰拾柒万元整"):
        assert needle in text, needle
    assert _embedded_cjk_fonts(reader)
    assert contract_pdf(contract).sha256 == doc.sha256  # unchanged inputs are not re-rendered


@pytest.mark.django_db
def test_performance_report_pdf(world, storage, django_assert_max_num_queries):
    from delivery.services.milestones import milestone_accept, milestone_submit
    contract = contract_signed(world)
    staff = supplier_staff_of(world, contract)
    for kind in ("mid_term", "final"):
        milestone_accept(report=milestone_submit(contract=contract, actor=staff, kind=kind, summary=kind),
                         actor=world.purchaser)
    evaluation = PerformanceEvaluation.objects.get(contract=contract)
    satisfaction_submit(evaluation=evaluation, actor=world.resident, score=95)
    cats = {"budget": 9, "output": 45, "effect": 27, "satisfaction": 9}
    for party, actor in (("purchaser", world.purchaser), ("community", world.community),
                         ("third_party", evaluation.third_party_expert), ("self", staff)):
        party_score_submit(evaluation=evaluation, party=party, actor=actor, category_scores=cats)
    evaluation.refresh_from_db()
    with django_assert_max_num_queries(5):
        context = performance_report_context(evaluation)
    assert context["grade"] == "优"
    reader = _pdf(performance_report_pdf(evaluation))
    text = "".join(page.extract_text() for page in reader.pages)
    for needle in (contract.project.code, contract.supplier.name, "个案服务数", evaluation.total.to_eng_string(),
                   "优"):
        assert needle in text, needle
    assert _embedded_cjk_fonts(reader)


def _page_svg_objects(reader) -> int:
    """Count the drawn (vector) form objects WeasyPrint makes of inline SVG on the pages."""
    found = 0
    for page in reader.pages:
        xobjects = page["/Resources"].get_object().get("/XObject", {})
        found += sum(1 for ref in xobjects.get_object().values()
                     if ref.get_object().get("/Subtype") == "/Form")
    return found


@pytest.mark.django_db
def test_performance_report_pdf_has_charts(world, storage, django_assert_max_num_queries, tmp_path):
    from delivery.services.milestones import milestone_accept, milestone_submit
    from tests.factories import user_with_role
    contract = contract_signed(world)
    case = contract.project.deliverables.order_by("id").first()
    for i in range(7):
        ServiceRecordFactory(contract=contract, deliverable=case, code=f"C-{i}")
    staff = supplier_staff_of(world, contract)
    for kind in ("mid_term", "final"):
        milestone_accept(report=milestone_submit(contract=contract, actor=staff, kind=kind, summary=kind),
                         actor=world.purchaser)
    evaluation = PerformanceEvaluation.objects.get(contract=contract)
    for score in (95, 85, 72, 91):
        satisfaction_submit(evaluation=evaluation, score=score,
                            actor=user_with_role("resident", world.community_org))
    cats = {"budget": 9, "output": 40, "effect": 25, "satisfaction": 8}
    for party, actor in (("purchaser", world.purchaser), ("community", world.community),
                         ("third_party", evaluation.third_party_expert), ("self", staff)):
        party_score_submit(evaluation=evaluation, party=party, actor=actor, category_scores=cats)
    evaluation.refresh_from_db()
    with django_assert_max_num_queries(5):
        context = performance_report_context(evaluation)
    charts = context["charts"]
    # Hand-computed: the survey's bands 0–59, 60–79, 80–89, 90–100 hold 0, 1, 1, 2 answers.
    assert charts["satisfaction"]["series"][0]["values"] == [0, 1, 1, 2]
    # Each party 9 + 40 + 25 + 8 = 82; the residents the survey's mean (95+85+72+91)/4 = 85.75.
    assert len(charts["parties"]["labels"]) == 5 and charts["parties"]["labels"][-1] == "服务对象满意度"
    assert charts["parties"]["series"][0]["values"] == ["82.00"] * 4 + ["85.75"]
    target, actual = (s["values"] for s in charts["indicators"]["series"])
    indicators = dict(zip(charts["indicators"]["labels"], zip(target, actual, strict=True), strict=True))
    assert indicators["个案服务数（个）"] == ("10", "7")
    assert indicators["服务对象满意度（%）"] == ("90", "85.75")
    reader = _pdf(performance_report_pdf(evaluation))
    text = "".join(page.extract_text() for page in reader.pages)
    for needle in ("绩效指标：目标值与实际值", "各评价主体得分", "满意度分布（份）", "90–100", "85.75"):
        assert needle in text, needle
    assert _page_svg_objects(reader) >= 3
    assert _embedded_cjk_fonts(reader)
    with performance_report_pdf(evaluation).file.open("rb") as fh:
        (tmp_path / "report.pdf").write_bytes(fh.read())
