"""Contract PDF rendering: time against a one-page Latin-only document, size, font subsetting.

Walks one project to a signed contract with the demo app (real services), builds the contract's
PDF context (procurement.documents.contract_context, in its stored canonical form) and renders
it with core.documents.render_pdf, median of 5 after one warm-up. The baseline is a one-page
Latin-only document rendered by WeasyPrint in the same process, so the ratio says what the
Chinese text, the tables and the CJK font cost, independent of the machine.

WeasyPrint subsets embedded fonts with libharfbuzz-subset0 when it can load it, else with
fontTools, which is dozens of times slower on a CJK font (DESIGN.md: ~10 s instead of ~0.3 s for
a 5-page contract). The script says which one it used, and also renders the contract once with
the fontTools fallback forced, to show what a missing package would cost.

    .venv/bin/python benchmarks/bench_pdf_render.py [--strict] [--keep]
"""

import io
import time

import _common

REPEAT = 5
# Contract (two pages of Chinese, CJK font embedded) / one Latin page: about 11× with
# harfbuzz-subset on the 2-core reference machine, about 350× with the fontTools fallback.
TARGET_RATIO = 20.0

LATIN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 25mm 20mm; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.6; }
</style></head><body><h1>Service contract</h1>%s</body></html>""" % (
    "<p>The purchaser and the supplier agree on the services, the term, the price and the "
    "payment schedule set out below. Each party keeps one signed copy.</p>" * 8
)


def render_latin() -> bytes:
    """Render the one-page Latin-only baseline."""
    from weasyprint import HTML

    return HTML(string=LATIN_PAGE).write_pdf()


def pdf_facts(pdf: bytes) -> tuple[int, list[str]]:
    """Return the page count and the embedded font names of a PDF."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).get_object().values():
            font = ref.get_object()
            for candidate in [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]:
                descriptor = candidate.get("/FontDescriptor")
                if descriptor is not None and any(
                        key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fonts.add(str(font.get("/BaseFont", "")).split("+", 1)[-1])
    return len(reader.pages), sorted(fonts)


def harfbuzz_subset_status() -> str:
    """Return whether WeasyPrint loaded libharfbuzz-subset (and the Debian package state)."""
    import subprocess

    from weasyprint.text import ffi

    loaded = ffi.harfbuzz_subset is not None
    try:
        dpkg = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", "libharfbuzz-subset0"],
                              capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        dpkg = "dpkg not available"
    return f"{'loaded' if loaded else 'NOT loaded'} by WeasyPrint; Debian libharfbuzz-subset0: {dpkg or 'not installed'}"


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    data_dir = _common.setup(keep=args.keep)
    import weasyprint
    from django.db import transaction

    from core.documents import canonical_context, render_pdf
    from demo.cast import cast_build
    from demo.stages import build_project_at_stage
    from procurement.documents import CONTRACT_TEMPLATE, contract_context

    print(f"machine: {_common.machine()}, WeasyPrint {weasyprint.__version__}")
    if args.keep:
        print(f"data dir: {data_dir}")
    print(f"harfbuzz-subset: {harfbuzz_subset_status()}")
    with transaction.atomic():
        build = build_project_at_stage("signed", cast=cast_build(district="tianjiaan"))
    # The stored form the Celery task renders from (Decimal and dates already strings).
    context = canonical_context(contract_context(build.contract))

    started = time.perf_counter()
    contract = render_pdf(CONTRACT_TEMPLATE, context)
    cold_ms = (time.perf_counter() - started) * 1000
    latin = render_latin()
    contract_ms = _common.median_ms(lambda: render_pdf(CONTRACT_TEMPLATE, context), repeat=REPEAT, warmup=0)
    latin_ms = _common.median_ms(render_latin, repeat=REPEAT, warmup=0)
    pages, fonts = pdf_facts(contract)
    latin_pages, _ = pdf_facts(latin)
    ratio = contract_ms / latin_ms
    ok = ratio < TARGET_RATIO

    print(f"latin baseline: {latin_ms:.0f} ms median of {REPEAT} ({latin_pages} page, {len(latin) / 1024:.0f} KiB)")
    print(f"contract PDF: {contract_ms:.0f} ms median of {REPEAT} ({pages} pages, {len(contract) / 1024:.0f} KiB, "
          f"fonts embedded: {', '.join(fonts) or 'none'}; first render in the process {cold_ms:.0f} ms)")
    print(f"contract / latin page: {ratio:.1f} × (target < {TARGET_RATIO:g} ×) {_common.verdict(ok)}")
    print(f"contract per page: {contract_ms / pages:.0f} ms")

    # What the fontTools fallback costs (as without libharfbuzz-subset0): one render.
    from weasyprint.pdf import fonts as pdf_fonts

    saved = pdf_fonts.harfbuzz_subset
    pdf_fonts.harfbuzz_subset = None
    try:
        started = time.perf_counter()
        fallback = render_pdf(CONTRACT_TEMPLATE, context)
        fallback_ms = (time.perf_counter() - started) * 1000
    finally:
        pdf_fonts.harfbuzz_subset = saved
    print(f"contract PDF with fontTools subsetting (harfbuzz-subset disabled): {fallback_ms:.0f} ms, "
          f"{len(fallback) / 1024:.0f} KiB ({fallback_ms / contract_ms:.1f} × the harfbuzz render)")
    _common.finish(misses=[] if ok else ["contract / latin page"], strict=args.strict)


if __name__ == "__main__":
    main()
