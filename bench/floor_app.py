"""The floor for ack latency: a Bolt app whose only listener acks the Spam button.

Built like `app.create_app` (same signing secret, same Slack client pointed at the same
API, `process_before_response=False`, same listener executor, same logging) so the
difference from soporte is the desk's own work.
Served by gunicorn exactly like the app: `gunicorn 'bench.floor_app:wsgi_from_env()'`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from blocks import ids
from bot.adapters.settings import load_settings
from bot.composition import slack_client


def create_floor_app(env: Mapping[str, str]) -> App:
    settings = load_settings(env)
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=slack_client(settings),
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=16),
    )

    @app.action(ids.Action.SPAM)
    def ack_only(ack: Ack) -> None:
        ack()

    return app


def wsgi_from_env() -> Any:
    """For gunicorn: the floor app's WSGI callable, configured from the environment."""
    logging.basicConfig(level=logging.INFO)
    return SlackRequestHandler(create_floor_app(os.environ))
