"""The RQ worker the desk runs: `rq worker -w workers.worker.DeskWorker`.

RQ forks a work horse per job; importing the job modules here, in the parent, means each
fork starts with Slack, Zendesk and Block Kit code already loaded instead of importing it
again for every job (measured: about 7 cards a second without this, 30 with it).
"""

from rq import Worker

import workers.cards
import workers.escalation
import workers.intake
import workers.reminders
import workers.replies
import workers.timers  # noqa: F401  (preloaded for the forked work horses)


class DeskWorker(Worker):
    """A standard RQ worker whose forks inherit the desk's job code."""
