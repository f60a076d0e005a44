"""Celery application: configuration comes from Django settings under CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sanshe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.healthcheck")
def healthcheck(token: str) -> dict:
    """Return the token with where this worker keeps its data, to prove a round trip."""
    from django.conf import settings

    return {"token": token, "data_dir": str(settings.DATA_DIR), "broker": str(app.conf.broker_url).split(":", 1)[0]}
