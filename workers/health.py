"""The probe behind /healthz: are Zendesk and Slack still taking the desk's credentials?

Run by `rq cron` every PROBE_INTERVAL seconds; each answer is kept in Redis for bot.adapters.health,
so /healthz itself never waits on Zendesk or Slack.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from zenpy.lib.exception import APIException

from bot.adapters.health import PROBE_INTERVAL, record_probe
from bot.composition import get_runtime

log = logging.getLogger(__name__)

__all__ = ["PROBE_INTERVAL", "probe_services"]


def probe_services() -> dict[str, bool]:
    """users/me on Zendesk and auth.test on Slack; a refusal is recorded, never raised."""
    rt = get_runtime()
    outcome = {}
    try:
        me = rt.zendesk.me()
        ok, detail = bool(me.get("id")), f"signed in as a Zendesk {me.get('role') or 'user'}"
        if not ok:
            detail = "Zendesk did not accept the credentials (anonymous user)"
    except APIException as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        ok, detail = False, f"Zendesk answered {status or 'an error'} to users/me"
    except Exception as exc:  # connection refused, timeout: Zendesk is unreachable
        ok, detail = False, f"Zendesk unreachable ({type(exc).__name__})"
    record_probe(rt.redis, "zendesk", ok, detail)
    outcome["zendesk"] = ok
    try:
        rt.slack.auth_test()
        ok, detail = True, "token accepted by auth.test"
    except SlackApiError as exc:
        ok, detail = False, f"Slack refused the token ({exc.response.get('error')})"
    except Exception as exc:
        ok, detail = False, f"Slack unreachable ({type(exc).__name__})"
    record_probe(rt.redis, "slack", ok, detail)
    outcome["slack"] = ok
    if not all(outcome.values()):
        log.warning("health probe: %s", outcome)
    return outcome
