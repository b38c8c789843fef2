"""`rq cron workers/cron_config.py`: the periodic intake (Zendesk allows 10 exports a minute)."""

import os

from rq import cron

from workers.intake import poll_intake

cron.register(
    poll_intake,
    queue_name="soporte",
    interval=int(os.environ.get("INTAKE_INTERVAL_SECONDS", "60")),
    job_timeout=600,
)
