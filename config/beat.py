"""Celery beat schedule: every entry names a registered task (tested)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "open-due-bids": {
        "task": "procurement.tasks.open_due_tenders",
        "schedule": 60.0,
    },
    # Bids received by intake whose task was lost (broker down, worker killed).
    "process-pending-bid-intakes": {
        "task": "procurement.tasks.process_pending_bid_intakes",
        "schedule": 30.0,
    },
    # Cached copies of sessions signed out or changed while Redis was down (core.sessions).
    "purge-session-cache": {
        "task": "core.tasks.session_cache_purge",
        "schedule": 30.0,
    },
    "fire-due-workflow-timers": {
        "task": "workflows.tasks.fire_due_timers",
        "schedule": 60.0,
    },
    # The audit log's anchor: its head exported where the database cannot rewrite it.
    "export-audit-anchor": {
        "task": "core.tasks.audit_anchor_export",
        "schedule": crontab(hour=23, minute=50),
    },
    # Task reminders once a day (workflows.reminders; a second run the same day sends nothing).
    "send-task-reminders": {
        "task": "workflows.tasks.send_task_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    "send-deadline-reminders": {
        "task": "core.tasks.send_pending_emails",
        "schedule": crontab(minute="*/5"),
    },
    # Documents whose render was never queued (broker down) or was lost (core.queue).
    "render-pending-documents": {
        "task": "core.tasks.render_pending_documents",
        "schedule": crontab(minute="*/5"),
    },
}
