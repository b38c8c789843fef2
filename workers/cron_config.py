"""`rq cron workers/cron_config.py`: the periodic intake (Zendesk allows 10 exports a minute)
and the daily retention of finished cases."""

import os

from rq import cron

from workers.intake import poll_intake
from workers.retention import expire_finished

cron.register(
    poll_intake,
    queue_name="soporte",
    interval=int(os.environ.get("INTAKE_INTERVAL_SECONDS", "60")),
    job_timeout=600,
)

# Every day at 04:17 (the cron process's local time): delete cases finished > 30 days ago.
cron.register(
    expire_finished,
    queue_name="soporte",
    cron=os.environ.get("RETENTION_CRON", "17 4 * * *"),
    job_timeout=600,
)
