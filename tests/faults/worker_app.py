"""The celery app of the fault tests' workers: the project's app plus fault points.

Started as ``celery -A tests.faults.worker_app worker``. Before each task the document renderer
is wrapped so ``hooks.pause_once("render")`` runs in the middle of a render (after the row lock
is taken, before the PDF is written); the e-mail backend (tests/faults/mailbox.py) has its own.
"""

from celery.signals import task_prerun

from config.celery import app  # noqa: F401 - the app celery -A finds here
from tests.faults.hooks import pause_once


@task_prerun.connect
def _wrap_render(**kwargs):
    from core import documents

    if getattr(documents.render_pdf, "faults_wrapped", False):
        return
    real = documents.render_pdf

    def render_pdf(template_name, context):
        pause_once("render")
        return real(template_name, context)

    render_pdf.faults_wrapped = True
    documents.render_pdf = render_pdf
