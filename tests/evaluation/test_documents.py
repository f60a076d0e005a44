import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from evaluation.documents import performance_report_context, performance_report_pdf
from evaluation.models import PerformanceEvaluation
from evaluation.services.performance import party_score_submit, satisfaction_submit
from procurement.documents import amount_in_chinese, contract_context, contract_pdf
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
