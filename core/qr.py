"""QR codes drawn on the server as SVG (segno), so a page links residents to a form offline of
any CDN: ``qr_svg_response(request, url)``."""

import io

import segno
from django.http import HttpResponse


def qr_svg(text: str, *, title: str = "") -> bytes:
    """Return an SVG QR code of text (error correction M, 4 px modules, quiet zone included)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True,
                                     title=title or None, svgclass="qr-code")
    return buffer.getvalue()


def qr_svg_response(request, path: str, *, title: str = "") -> HttpResponse:
    """Return an SVG response with the QR code of the absolute URL of path on this site."""
    response = HttpResponse(qr_svg(request.build_absolute_uri(path), title=title),
                            content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
