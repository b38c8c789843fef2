"""`rq cron workers/cron_config.py`: the periodic intake (Zendesk allows 10 exports a minute),
the health probe behind /healthz, the sweep of the clicks inbox, the daily retention of
finished cases, and the weekly summary (checked every 5 minutes; posted once, at the desk's
Monday opening)."""

import os

from rq import cron

from bot.adapters.settings import load_settings
from bot.composition import CLICK_QUEUE_NAME
from workers.clicks import SWEEP_INTERVAL, sweep_clicks
from workers.health import PROBE_INTERVAL, probe_services
from workers.intake import poll_intake
from workers.retention import expire_finished
from workers.weekly_summary import INTERVAL as WEEKLY_CHECK
from workers.weekly_summary import post_weekly_summary

settings = load_settings(os.environ)

cron.register(poll_intake, queue_name="soporte", interval=settings.intake_interval, job_timeout=600)

cron.register(probe_services, queue_name="soporte", interval=PROBE_INTERVAL, job_timeout=60)

cron.register(sweep_clicks, queue_name=CLICK_QUEUE_NAME, interval=SWEEP_INTERVAL, job_timeout=60)

# Every day at 04:17 (the cron process's local time): delete cases finished > 30 days ago.
cron.register(expire_finished, queue_name="soporte", cron=settings.retention_cron, job_timeout=600)

# The desk's Monday opening is in its own time zone and calendar: the job knows when it is.
cron.register(post_weekly_summary, queue_name="soporte", interval=WEEKLY_CHECK, job_timeout=300)
