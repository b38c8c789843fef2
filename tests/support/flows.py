"""Small flows the end-to-end and fault tests share: a ticket through the intake, the
escalation to Pulso and its Mantenedor, an unsupported-product reply, what the user got."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests

from blocks import ids
from bot.composition import utcnow
from testkit.example_desk import MAINTAINER, MUNICIPALIDAD_NAME
from tests.harness import AGENT, Desk, option, text_value


def carded_ticket(desk: Desk, **fields: Any) -> int:
    """A new ticket of the Municipalidad that went through the intake: it has its card."""
    org = desk.zendesk.add_organization(MUNICIPALIDAD_NAME)
    tid = desk.new_ticket(org_id=org, **fields)
    desk.intake()
    record = desk.case(tid)
    assert record is not None and record.card is not None
    return tid


def submit_unsupported(desk: Desk, tid: int, reply: str, user: str = AGENT) -> requests.Response:
    """Press "Producto no soportado" and send the modal with `reply` (jobs not run)."""
    desk.click(ids.Action.UNSUPPORTED, tid, user)
    return desk.submit(desk.opened_view(), {ids.Block.REPLY: text_value(reply)}, user=user)


def user_replies(desk: Desk, tid: int) -> list[str]:
    """What the end user received: public comments after their own first message."""
    return [c["body"] for c in desk.zendesk.public_comments(tid)[1:]]


def escalate(desk: Desk, tid: int, notes: str = "Sospecho del worker de PDF.") -> None:
    """Escalate a carded ticket to Pulso and run the jobs: the product thread is open."""
    desk.click(ids.Action.ESCALATE, tid)
    view = desk.opened_view()
    desk.submit(view, {ids.Block.PRODUCT: option("pulso"), ids.Block.NOTES: text_value(notes)})
    desk.run_jobs()
    record = desk.case(tid)
    assert record is not None and record.escalation is not None and record.escalation.ts


def take(desk: Desk, tid: int, who: str = MAINTAINER) -> None:
    desk.click_in_thread(ids.Action.TAKE_CASE, tid, who)
    desk.run_jobs()


def escalate_new_ticket(
    desk: Desk, notes: str = "Falla al exportar; sospecho del worker de PDF."
) -> int:
    """A new ticket of the Municipalidad, carded and escalated to Pulso (jobs run)."""
    org = desk.zendesk.add_organization(MUNICIPALIDAD_NAME)
    tid = desk.new_ticket(
        subject="Error al exportar informe", body="Sale error 500 <!channel>", org_id=org
    )
    desk.intake()
    escalate(desk, tid, notes)
    return tid


def diagnose(
    desk: Desk, tid: int, estimate: str = "3 días", who: str = MAINTAINER
) -> requests.Response:
    """The Mantenedor submits the diagnosis modal (certeza alta, confianza media)."""
    desk.click_in_thread(ids.Action.DIAGNOSE, tid, who)
    return desk.submit(
        desk.opened_view(),
        {
            ids.Block.DIAGNOSIS: text_value("El generador de PDF se queda sin memoria."),
            ids.Block.CERTAINTY: option("alta"),
            ids.Block.ESTIMATE: text_value(estimate),
            ids.Block.CONFIDENCE: option("media"),
        },
        user=who,
    )


def respond(
    desk: Desk, tid: int, plain: str = "El informe es muy grande.", expected: str | None = None
) -> None:
    """The initial response, through its review step (the message is shown before it goes);
    `expected` is the date picked (ISO), three days from now unless given."""
    desk.click(ids.Action.RESPOND, tid)
    review = desk.submit(
        desk.opened_view(),
        {
            ids.Block.REQUIRED_INFO: text_value(""),
            ids.Block.USEFUL_INFO: text_value(""),
            ids.Block.PLAIN_DIAGNOSIS: text_value(plain),
            ids.Block.EXPECTED_DATE: {
                "type": "datepicker",
                "selected_date": expected or (utcnow() + timedelta(days=3)).date().isoformat(),
            },
            ids.Block.WORKAROUND: text_value(""),
        },
    ).json()
    [reply] = [b for b in review["view"]["blocks"] if b.get("block_id") == ids.Block.REPLY]
    desk.submit(review["view"], {ids.Block.REPLY: text_value(reply["element"]["initial_value"])})
