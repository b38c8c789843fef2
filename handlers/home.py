"""The App Home: opening the tab queues a job that publishes the user's dashboard.

The Home's buttons carry the same action_id and value (the ticket id) as the card's and the
escalation message's, so the listeners in handlers/triage.py and handlers/escalation.py
open the same modals from here.
"""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import App

from bot.adapters.queue import enqueue
from bot.composition import Runtime
from handlers.common import log
from workers.home import HOME_USERS, pending_key

PENDING_TTL = 60


def register(app: App, rt: Runtime) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event.get("user")
        if not user:
            return
        pipe = rt.redis.pipeline(transaction=False)
        pipe.sadd(HOME_USERS, user)
        pipe.set(pending_key(user), "1", nx=True, ex=PENDING_TTL)
        _, first = pipe.execute()
        if not first:
            log.debug("home of %s already queued", user)
            return
        enqueue(rt.queue, "workers.home.publish_home", user, job_id=f"home-open-{uuid.uuid4().hex}")
