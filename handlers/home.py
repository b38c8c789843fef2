"""The App Home: opening the tab queues a job that publishes the user's dashboard.

The Home's buttons carry the same action_id and value (the ticket id) as the card's and the
escalation message's, so the listeners in handlers/triage.py and handlers/escalation.py
open the same modals from here.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from slack_bolt import Ack, App, Respond

from blocks import ids
from blocks import soporte_answers as views
from bot.adapters import keys
from bot.adapters.queue import Job, enqueue
from bot.composition import Runtime, utcnow
from bot.domain import dashboard
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
        enqueue(rt.queue, Job.PUBLISH_HOME, user, job_id=keys.home_open_job(uuid.uuid4().hex))

    @app.action(re.compile(rf"^{ids.MINE_PAGE}_\d+$"))
    def mine_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """ "Siguientes"/"Anteriores" of `/soporte mios`: the same answer, another page, in
        place of the one shown (response_url, replace_original)."""
        ack()
        try:
            page = int(action.get("value") or 1)
        except ValueError:
            return
        user = body["user"]["id"]
        mine = dashboard.my_cases(rt.store.summaries(), user)
        message = views.mine_message(mine, user, utcnow(), page)
        respond(replace_original=True, response_type="ephemeral", **message)
