"""The celery app of the fault tests' beats: the project's, its opening entry every second.

Started as ``celery -A tests.faults.beat_app beat``; the entry and its task are config/beat.py's
``open-due-bids``, only its period is shortened (60 s in production) so a test sees several
runs of two beats in a few seconds.
"""

from config.beat import BEAT_SCHEDULE
from config.celery import app

app.conf.beat_schedule = {"open-due-bids": {**BEAT_SCHEDULE["open-due-bids"], "schedule": 1.0}}
