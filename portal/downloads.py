"""Serve generated PDF documents as attachments with a Chinese file name (RFC 5987)."""

from urllib.parse import quote

from django.http import HttpResponse


def document_bytes(document) -> bytes:
    """Return the PDF bytes of what a document builder returned (bytes or a stored Document)."""
    if isinstance(document, (bytes, bytearray)):
        return bytes(document)
    file = getattr(document, "file", None)
    if file is not None:
        with file.open("rb") as handle:
            return handle.read()
    raise TypeError(f"Unexpected document: {document!r}")


def attachment_header(*, filename: str, fallback: str) -> str:
    """Return a Content-Disposition value with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    safe_fallback = "".join(c for c in fallback if c.isascii() and c not in '"\\\r\n')
    return f"attachment; filename=\"{safe_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def pdf_attachment(*, data: bytes, filename: str, fallback: str = "document.pdf") -> HttpResponse:
    """Return the PDF as a download named filename (UTF-8 encoded per RFC 5987/6266)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(filename=filename, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def contract_pdf_response(contract) -> HttpResponse:
    """Build the contract PDF and return it as an attachment."""
    from evaluation.documents import contract_pdf

    return pdf_attachment(data=document_bytes(contract_pdf(contract)),
                          filename=f"服务合同-{contract.code}.pdf",
                          fallback=f"contract-{contract.code}.pdf")


def performance_report_pdf_response(evaluation) -> HttpResponse:
    """Build the performance evaluation report PDF and return it as an attachment."""
    from evaluation.documents import performance_report_pdf

    return pdf_attachment(data=document_bytes(performance_report_pdf(evaluation)),
                          filename=f"绩效评价报告-{evaluation.contract.code}.pdf",
                          fallback=f"performance-report-{evaluation.contract.code}.pdf")
