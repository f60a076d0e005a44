import hashlib
import io

import pytest
from pypdf import PdfReader

from core.documents import document_ensure, document_request, render_pdf
from core.models import Document
from core.tasks import render_document

TEMPLATE = "core/document_sample.html"
CJK_NAMES = ("NOTOSANSCJK", "NOTOSERIFCJK", "WENQUANYI", "SOURCEHANSANS")


def context(amount="4000.00"):
    return {"title": "政府购买服务合同", "number": "HT-2026-001",
            "paragraphs": ["甲方委托乙方提供社区养老服务。"], "rows": [{"name": "社区活动",
                                                                   "amount": amount}]}


def embedded_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """Return (BaseFont, has embedded font file) for every font on every page."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            target = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = target["/FontDescriptor"].get_object()
            has_file = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(font["/BaseFont"]), has_file))
    return found


def is_cjk(base_font: str) -> bool:
    name = base_font.split("+")[-1].replace("-", "").replace(" ", "").upper()
    return any(n in name for n in CJK_NAMES)


def test_chinese_pdf_embeds_a_cjk_font():
    pdf = render_pdf(TEMPLATE, context())
    assert pdf.startswith(b"%PDF-")
    fonts = embedded_fonts(pdf)
    assert fonts, "no fonts in the PDF"
    assert any(is_cjk(name) and embedded for name, embedded in fonts), fonts
    assert all(embedded for _, embedded in fonts), fonts


def test_page_footer_uses_cjk_font_too():
    # The body is only Latin text: any CJK font in the PDF comes from the 第 X 页 共 Y 页 footer.
    html_ctx = {"title": "Report", "number": "1", "paragraphs": ["abc"], "rows": []}
    from django.template import engines

    tpl = engines["django"].from_string(
        '{% extends "documents/base.html" %}{% block content %}<p>Latin only</p>{% endblock %}'
    )
    from weasyprint import HTML

    pdf = HTML(string=tpl.render(html_ctx)).write_pdf()
    assert any(is_cjk(name) for name, _ in embedded_fonts(pdf))


@pytest.mark.django_db
class TestDocumentRequest:
    @pytest.fixture
    def owner(self, make_user):
        return make_user("contract-owner")

    def request(self, owner, ctx, capture):
        with capture(execute=True) as callbacks:
            doc = document_request(owner=owner, kind="contract", template_name=TEMPLATE,
                                   context=ctx)
        doc.refresh_from_db()
        return doc, callbacks

    def test_rendered_after_commit_and_not_regenerated(self, owner, file_storage,
                                                       django_capture_on_commit_callbacks):
        doc, callbacks = self.request(owner, context(), django_capture_on_commit_callbacks)
        assert len(callbacks) == 1
        assert doc.generated_at is not None
        data = (file_storage / doc.file.name).read_bytes()
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert doc.size == len(data)
        first = (doc.sha256, doc.generated_at, doc.file.name)

        again, callbacks = self.request(owner, context(), django_capture_on_commit_callbacks)
        assert callbacks == []
        assert again.pk == doc.pk
        assert (again.sha256, again.generated_at, again.file.name) == first

        changed, callbacks = self.request(owner, context("5000.00"),
                                          django_capture_on_commit_callbacks)
        assert callbacks  # render scheduled (plus removal of the old file)
        assert changed.pk == doc.pk
        assert changed.sha256 != first[0]
        assert changed.generated_at > first[1]
        assert not (file_storage / first[2]).exists()  # old file removed after commit
        assert Document.objects.count() == 1

    def test_not_rendered_before_commit(self, owner, file_storage,
                                        django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            doc = document_request(owner=owner, kind="contract", template_name=TEMPLATE,
                                   context=context())
        doc.refresh_from_db()
        assert not doc.file and doc.generated_at is None

    def test_missing_file_is_regenerated(self, owner, file_storage,
                                         django_capture_on_commit_callbacks):
        doc, _ = self.request(owner, context(), django_capture_on_commit_callbacks)
        (file_storage / doc.file.name).unlink()
        doc2, callbacks = self.request(owner, context(), django_capture_on_commit_callbacks)
        assert callbacks
        assert (file_storage / doc2.file.name).is_file()

    def test_ensure_renders_synchronously_and_task_is_idempotent(self, owner, file_storage):
        doc = document_ensure(owner=owner, kind="report", template_name=TEMPLATE,
                              context=context())
        assert doc.file and (file_storage / doc.file.name).is_file()
        before = (doc.sha256, doc.generated_at)
        assert render_document(doc.pk) == doc.sha256
        doc.refresh_from_db()
        assert (doc.sha256, doc.generated_at) == before
        assert render_document(987654) == ""

    def test_kind_separates_documents(self, owner, file_storage):
        a = document_ensure(owner=owner, kind="a", template_name=TEMPLATE, context=context())
        b = document_ensure(owner=owner, kind="b", template_name=TEMPLATE, context=context())
        assert a.pk != b.pk


def test_inputs_hash_covers_context_and_template():
    from core.documents import inputs_hash

    base = inputs_hash(TEMPLATE, context())
    assert base == inputs_hash(TEMPLATE, {**context()})  # canonical: key order irrelevant
    assert base != inputs_hash(TEMPLATE, context("4000.01"))
    assert base != inputs_hash("core/notification_list.html", context())
