"""A test e-mail backend for the fault tests' worker: one JSON file per message sent.

FAULTS_DIR (environment) is the folder. ``hooks.pause_once("mail")`` runs before each message,
so a test can kill the worker in the middle of sending; a message counts as sent only once its
file is written.
"""

import json
import os
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

from tests.faults.hooks import pause_once


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        out = Path(os.environ["FAULTS_DIR"]) / "mail"
        out.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            pause_once("mail")
            (out / f"{uuid.uuid4().hex}.json").write_text(json.dumps(
                {"to": message.to, "subject": message.subject}, ensure_ascii=False))
        return len(email_messages)
