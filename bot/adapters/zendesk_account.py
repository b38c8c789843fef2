"""The start-up check of the Zendesk account: can the desk do its work with this API user?

Each problem is one line that names what to set. app.py prints them and stops (exit 2).
"""

from __future__ import annotations

from typing import Any

import requests
from zenpy.lib.exception import APIException

from bot.adapters.settings import Settings
from bot.adapters.zendesk import ZendeskGateway

ADMIN_CENTER_TICKETS = "Admin Center > Objects and rules > Tickets > Settings"


def account_problems(gateway: ZendeskGateway, settings: Settings) -> list[str]:
    """What keeps the desk from working on this Zendesk account (empty: nothing)."""
    try:
        me = gateway.me()
    except APIException as exc:
        status = getattr(getattr(exc, "response", None), "status_code", "?")
        if status == 401:
            return [
                "ZENDESK_EMAIL/ZENDESK_TOKEN: Zendesk refused them (401). Use the e-mail of "
                "the API user and an API token from Admin Center > Apps and integrations > "
                "APIs > Zendesk API."
            ]
        return [f"ZENDESK_URL: Zendesk answered {status} to users/me; is it the account's URL?"]
    except requests.RequestException as exc:
        return [f"ZENDESK_URL={settings.zendesk_url}: cannot reach Zendesk ({type(exc).__name__})"]
    problems = _user_problems(me, settings)
    if settings.zendesk_intake == "webhook" and not settings.zendesk_webhook_secret:
        problems.append(
            "ZENDESK_INTAKE=webhook needs ZENDESK_WEBHOOK_SECRET (the webhook's signing "
            "secret): without polling, the webhook is the only way tickets arrive."
        )
    if settings.zendesk_waiting_status == "hold" and not _has_hold(gateway):
        problems.append(
            "ZENDESK_WAITING_STATUS=hold: this account has no active On-hold status. Turn on "
            f"'Enable On-hold status' in {ADMIN_CENTER_TICKETS}, or set "
            "ZENDESK_WAITING_STATUS=open."
        )
    return problems


def _user_problems(me: dict[str, Any], settings: Settings) -> list[str]:
    who = f"{settings.zendesk_email} (Zendesk user {me.get('id')})"
    if not me.get("active", True) or me.get("suspended"):
        return [f"ZENDESK_EMAIL: {who} is suspended or inactive; use an active agent."]
    role = me.get("role")
    if role not in ("agent", "admin"):
        return [f"ZENDESK_EMAIL: {who} is an end user ({role}); the desk needs an agent."]
    if role != "admin" and settings.zendesk_intake == "export":
        return [
            f"ZENDESK_EMAIL: {who} is an agent, but the incremental export that brings new "
            "tickets is for admins only (every poll would be refused with 403). Give that "
            "user the Admin role in Zendesk, or set ZENDESK_INTAKE=webhook (tickets then "
            "arrive only through the Zendesk webhook; see README, 'the Zendesk webhook')."
        ]
    return []


def _has_hold(gateway: ZendeskGateway) -> bool:
    try:
        return bool(gateway.active_statuses("hold"))
    except APIException:
        return False
