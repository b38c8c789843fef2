"""Who may press a button or submit a modal: one Bolt middleware, before any listener runs.

The button (or modal) stands for steps of the case (blocks/ids.py); bot/domain/offers.py says
which roles do those steps: agents only, maintainers of the case's product (or members of its
channel), or the case's Mantenedor. Someone without the role is told so privately (a modal:
under its first field) and the listener never runs. Whether the case allows the step now is
the listener's to say, with the same offers() (for the buttons handlers/clicks.py answers,
the worker's that takes the click).

All of it happens before the ack, from the catalogue and one read of the case, except for
someone outside the catalogue taking a case: only Slack knows whether they are in the
product's channel (conversations.members).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis
from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks import ids
from bot.composition import Runtime
from bot.domain import desk_texts as texts
from bot.domain.button_values import BadContext, ModalContext, parse_ticket_value
from bot.domain.case import CaseRecord
from bot.domain.lifecycle import Event
from bot.domain.offers import CaseFacts, Role, roles_for, roles_of
from handlers.common import OUTAGE, log, on_outage, tell
from handlers.modal_input import ModalInput

NOT_A_MAINTAINER = (
    "Solo los responsables técnicos de {product} (o los miembros de su canal) pueden tomar "
    "este caso."
)
NOT_THE_OWNER = "Solo el responsable técnico del caso (<@{owner}>) puede hacer esto."
MEMBERSHIP_UNKNOWN = (
    "No pude confirmar que seas miembro del canal del producto; por seguridad no se hizo nada. "
    "Intenta de nuevo en un momento."
)
MEMBER_PAGES = 20  # conversations.members pages read before failing closed


def case_roles(rt: Runtime, record: CaseRecord, user: str) -> frozenset[Role]:
    """`user`'s roles on the case, as the catalogue and the case say."""
    return roles_of(rt.catalog, user, CaseFacts.of(record))


def is_channel_member(client: WebClient, channel: str, user: str) -> bool | None:
    """Whether `user` is in `channel`; None when Slack could not say (callers fail closed)."""
    cursor = None
    try:
        for _ in range(MEMBER_PAGES):
            page = client.conversations_members(channel=channel, cursor=cursor, limit=1000)
            if user in page.get("members", []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
    except SlackApiError as exc:
        log.warning("conversations.members failed for %s: %s", channel, exc.response.get("error"))
        return None
    except OSError as exc:  # no answer from Slack (refused, reset, timed out)
        log.warning("conversations.members failed for %s: %s", channel, type(exc).__name__)
        return None
    return None


def _case_refusal(
    rt: Runtime, client: WebClient, record: CaseRecord, user: str, who: frozenset[Role]
) -> str | None:
    """Why `user` lacks every role in `who` on the case (None: they have one)."""
    if case_roles(rt, record, user) & who:
        return None
    escalation = record.escalation
    assert escalation is not None
    if Role.MAINTAINER in who:
        return NOT_THE_OWNER.format(owner=escalation.maintainer)
    product = rt.catalog.product(escalation.product)
    if product is None:
        return NOT_A_MAINTAINER.format(product=escalation.product)
    if Role.CHANNEL_MEMBER not in who:
        return NOT_A_MAINTAINER.format(product=product.name)
    member = is_channel_member(client, product.channel, user)
    if member is None:
        return MEMBERSHIP_UNKNOWN
    return None if member else NOT_A_MAINTAINER.format(product=product.name)


def refusal(
    rt: Runtime,
    client: WebClient,
    user: str,
    events: frozenset[Event],
    read: Callable[[], CaseRecord | None],
) -> str | None:
    """Why `user` may not take `events` on the case `read()` returns (None: they may).

    Agents' work is decided by the catalogue alone, before the case is read; the maintainers'
    by the case. A case that cannot be read is the listener's to explain."""
    who = roles_for(events)
    if Role.AGENT in who and rt.catalog.is_agent(user):
        return None
    if who == {Role.AGENT}:
        return texts.NOT_AN_AGENT
    record = read()
    if record is None or record.escalation is None:
        return None
    return _case_refusal(rt, client, record, user, who - {Role.AGENT})


def _read(rt: Runtime, ticket_id: Callable[[], int]) -> Callable[[], CaseRecord | None]:
    def read() -> CaseRecord | None:
        try:
            return rt.store.get(ticket_id())
        except BadContext:
            return None

    return read


def _click(rt: Runtime, client: WebClient, body: dict[str, Any]) -> BoltResponse | None:
    action = (body.get("actions") or [{}])[0]
    events = ids.ACTION_EVENTS.get(action.get("action_id"))  # type: ignore[call-overload]
    if events is None:
        return None
    user = body["user"]["id"]
    raw = action.get("value", "")
    try:
        why = refusal(rt, client, user, events, _read(rt, lambda: parse_ticket_value(raw)))
    except redis.RedisError as exc:
        on_outage(exc, body, client)
        return BoltResponse(status=200, body="")
    if why is None:
        return None
    log.warning("refused %s of %r by %s", action.get("action_id"), raw[:20], user)
    tell(rt, body, why)
    return BoltResponse(status=200, body="")


def _submission(rt: Runtime, client: WebClient, body: dict[str, Any]) -> BoltResponse | None:
    view = body.get("view") or {}
    events = ids.VIEW_EVENTS.get(view.get("callback_id"))  # type: ignore[call-overload]
    if events is None:
        return None
    user = body["user"]["id"]

    def ticket_id() -> int:
        return ModalContext.decode(view.get("private_metadata", "")).ticket_id

    try:
        why = refusal(rt, client, user, events, _read(rt, ticket_id))
    except redis.RedisError as exc:
        log.error("submission %s: Redis unavailable (%s)", view.get("callback_id"), exc)
        why = OUTAGE
    if why is None:
        return None
    if why != OUTAGE:
        log.warning("refused %s submission by %s", view.get("callback_id"), user)
    first = next(iter(ModalInput(view).values), "")
    answer = {"response_action": "errors", "errors": {first: why}}
    return BoltResponse(
        status=200,
        body=json.dumps(answer, ensure_ascii=False),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def middleware(rt: Runtime) -> Callable[..., BoltResponse | None]:
    """The app's middleware: a refusal answered here, everything else on to its listener."""

    def permissions(
        body: dict[str, Any], client: WebClient, next: Callable[[], None]
    ) -> BoltResponse | None:
        kind = body.get("type")
        if kind == "block_actions":
            refused = _click(rt, client, body)
        elif kind == "view_submission":
            refused = _submission(rt, client, body)
        else:
            refused = None
        if refused is None:
            next()
        return refused

    return permissions
