"""Generated PDF documents: render HTML templates with WeasyPrint and keep them by input hash.

A document's context must be plain JSON data (strings, numbers, lists, dicts). It is stored on
the Document row in its canonical JSON form and the PDF is always rendered from that stored form,
so Decimal values arrive in the template as strings and dates as ISO strings: format values for
display in the context builder.
"""

import hashlib
import json
import logging
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from core.models import Document

logger = logging.getLogger(__name__)
BASE_TEMPLATE = "documents/base.html"


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a Django template to PDF bytes with WeasyPrint."""
    from weasyprint import HTML  # imported lazily: loading pango is slow

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR / "static")).write_pdf()


def canonical_context(context: dict[str, Any]) -> Any:
    """Return the context as canonical JSON data (sorted keys, Decimal and dates as strings)."""
    return json.loads(json.dumps(context, cls=DjangoJSONEncoder, sort_keys=True))


def _template_source(name: str) -> str:
    template = get_template(name)
    return getattr(getattr(template, "template", template), "source", "")


def inputs_hash(template_name: str, context: dict[str, Any]) -> str:
    """Return the SHA-256 over the canonical context and the template sources (and base)."""
    payload = json.dumps(
        {
            "context": canonical_context(context),
            "template": _template_source(template_name),
            "base": _template_source(BASE_TEMPLATE),
        },
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _upsert(*, owner, kind: str, template_name: str, context: dict) -> tuple[Document, bool]:
    """Create or update the Document row; return it and whether its file must be (re)rendered."""
    digest = inputs_hash(template_name, context)
    ct = ContentType.objects.get_for_model(owner, for_concrete_model=False)
    doc, _ = Document.objects.select_for_update().get_or_create(
        content_type=ct, object_id=owner.pk, kind=kind,
        defaults={"template_name": template_name, "context": canonical_context(context),
                  "inputs_hash": digest},
    )
    if doc.inputs_hash != digest or doc.template_name != template_name:
        doc.template_name = template_name
        doc.context = canonical_context(context)
        doc.inputs_hash = digest
        doc.save(update_fields=["template_name", "context", "inputs_hash"])
    stale = not (doc.is_current and doc.file.storage.exists(doc.file.name))
    return doc, stale


def document_request(*, owner, kind: str, template_name: str, context: dict) -> Document:
    """Record the inputs of a document and schedule rendering after commit if they changed."""
    with transaction.atomic():
        doc, stale = _upsert(owner=owner, kind=kind, template_name=template_name, context=context)
        if stale:
            from core.queue import enqueue_on_commit
            from core.tasks import render_document

            # a lost send (broker down) is caught up by core.tasks.render_pending_documents
            enqueue_on_commit(render_document, doc.pk)
    return doc


def document_ensure(*, owner, kind: str, template_name: str, context: dict) -> Document:
    """Return the document with a file rendered from these inputs, rendering it now if needed."""
    with transaction.atomic():
        doc, stale = _upsert(owner=owner, kind=kind, template_name=template_name, context=context)
    if stale:
        doc = document_render(document_id=doc.pk)
    return doc


def document_render(*, document_id: int) -> Document:
    """Render the document's PDF from its stored inputs unless the file is already current."""
    with transaction.atomic():
        doc = Document.objects.select_for_update().get(pk=document_id)
        if doc.is_current and doc.file.storage.exists(doc.file.name):
            return doc
        pdf = render_pdf(doc.template_name, doc.context)
        old_name = doc.file.name if doc.file else ""
        doc.file.save(f"{doc.kind}.pdf", ContentFile(pdf), save=False)
        doc.sha256 = hashlib.sha256(pdf).hexdigest()
        doc.size = len(pdf)
        doc.generated_at = timezone.now()
        doc.file_inputs_hash = doc.inputs_hash
        doc.save(update_fields=["file", "sha256", "size", "generated_at", "file_inputs_hash"])
        if old_name and old_name != doc.file.name:
            storage = doc.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    logger.info("rendered document %s (%s, %d bytes)", doc.pk, doc.kind, doc.size)
    return doc


# Serving a generated PDF as an attachment with a Chinese file name (RFC 5987/6266).

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
