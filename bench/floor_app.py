"""The floors for ack latency: Bolt apps that only ack the Spam button.

The bare-Bolt floor acks it in a listener, as a Bolt app is written; the second floor answers
it from a global middleware, as soporte answers the buttons that take their step at once
(handlers/clicks.py), so that soporte / that floor is the desk's own work on the same path.
Built like `app.create_app` (same signing secret, same Slack client pointed at the same
API, `process_before_response=False`, same listener executor, same logging).
Served by gunicorn exactly like the app: `gunicorn 'bench.floor_app:wsgi_from_env()'`
(`wsgi_from_env(in_middleware=True)` for the second floor).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler

from blocks import ids
from bot.adapters.settings import load_settings
from bot.composition import slack_client


def create_floor_app(env: Mapping[str, str], in_middleware: bool = False) -> App:
    settings = load_settings(env)
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=slack_client(settings),
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=16),
    )

    if in_middleware:

        @app.use
        def answer_spam(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
            if (body.get("actions") or [{}])[0].get("action_id") == ids.Action.SPAM:
                return BoltResponse(status=200, body="")
            next()
            return None

    else:

        @app.action(ids.Action.SPAM)
        def ack_only(ack: Ack) -> None:
            ack()

    return app


def wsgi_from_env(in_middleware: bool = False) -> Any:
    """For gunicorn: a floor app's WSGI callable, configured from the environment."""
    logging.basicConfig(level=logging.INFO)
    return SlackRequestHandler(create_floor_app(os.environ, in_middleware))
