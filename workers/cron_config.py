"""`rq cron workers/cron_config.py`: the periodic intake (Zendesk allows 10 exports a minute),
the health probe behind /healthz, and the daily retention of finished cases."""

import os

from rq import cron

from bot.adapters.settings import load_settings
from workers.health import PROBE_INTERVAL, probe_services
from workers.intake import poll_intake
from workers.retention import expire_finished

settings = load_settings(os.environ)

cron.register(poll_intake, queue_name="soporte", interval=settings.intake_interval, job_timeout=600)

cron.register(probe_services, queue_name="soporte", interval=PROBE_INTERVAL, job_timeout=60)

# Every day at 04:17 (the cron process's local time): delete cases finished > 30 days ago.
cron.register(expire_finished, queue_name="soporte", cron=settings.retention_cron, job_timeout=600)
