"""Every Block Kit action_id, callback_id and block_id the app uses, in one place.

The values are what Slack sends back with every click and submission: a card posted months
ago still carries them, so a value never changes once released.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.lifecycle import Event


class Action(StrEnum):
    """Buttons (action_id): the card's, the escalation message's, the Home's."""

    # The triage chain, in the order the agent tries it.
    SPAM = "triage_spam"
    WRONG_RECIPIENT = "triage_wrong_recipient"
    PERSON = "triage_person"
    UNSUPPORTED = "triage_unsupported"
    INFORMATION = "triage_information"
    DOCUMENTED_ACTION = "triage_documented_action"
    ESCALATE = "triage_escalate"
    # The closing window.
    USER_CONFIRMED = "window_user_confirmed"
    NOT_FIXED = "window_not_fixed"
    # The escalation.
    TAKE_CASE = "escalation_take_case"
    DIAGNOSE = "escalation_diagnose"
    MARK_FIXED = "escalation_mark_fixed"
    RESPOND = "card_respond_to_user"
    PROPOSE_RESOLUTION = "card_propose_resolution"
    ACKNOWLEDGE = "card_acknowledge_user"  # "Avisar al usuario"
    # The card's "Más opciones…" (its value: `<action>|<ticket>`) and "Ver detalle".
    MORE_OPTIONS = "triage_more_options"
    SEE_DETAIL = "card_see_detail"


class View(StrEnum):
    """Modals and the Home (callback_id)."""

    WRONG_RECIPIENT = "modal_wrong_recipient"
    PERSON = "modal_person"
    UNSUPPORTED = "modal_unsupported"
    INFORMATION = "modal_information"
    DOCUMENTED_ACTION = "modal_documented_action"
    ESCALATE = "modal_escalate"
    DIAGNOSIS = "modal_diagnosis"
    RESPONSE = "modal_response"
    FIXED = "modal_fixed"
    RESOLUTION = "modal_resolution"
    ACKNOWLEDGE = "modal_acknowledge"
    RESPONSE_PREVIEW = "modal_response_preview"  # the composed response, before it goes
    HOME = "home_dashboard"


class Block(StrEnum):
    """block_id of the blocks the app reads back; a modal input's action_id is the same."""

    # Modal inputs.
    REPLY = "reply"
    PERSON = "person"
    PRODUCT = "product"
    PROCEDURE = "procedure"
    CHECKED = "checked"
    SUMMARY = "summary"
    NOTES = "notes"
    DIAGNOSIS = "diagnosis"
    CERTAINTY = "certainty"
    ESTIMATE = "estimate"
    CONFIDENCE = "confidence"
    REQUIRED_INFO = "required_info"
    USEFUL_INFO = "useful_info"
    PLAIN_DIAGNOSIS = "plain_diagnosis"
    EXPECTED_DATE = "expected_date"
    WORKAROUND = "workaround"
    FIX_NOTE = "fix_note"
    # Messages.
    CARD_ACTIONS = "card_actions"
    CARD_STATUS = "card_status"
    ESCALATION_ACTIONS = "escalation_actions"
    CASE_ACTIONS = "case_actions"  # the buttons under `/soporte estado 1234`
    CARD_FIRST = "card_first_line"
    MINE_PAGES = "mine_pages"  # "Siguientes"/"Anteriores" of `/soporte mios`


HOME_CASE = "home_case_"  # + ticket id: the actions block of one case on the Home


def home_case_block(ticket_id: int) -> str:
    return f"{HOME_CASE}{ticket_id}"


MINE_PAGE = "mine_page"  # + "_<page>": the page buttons of `/soporte mios`


def mine_page_action(page: int) -> str:
    return f"{MINE_PAGE}_{page}"


TRIAGE_ACTIONS = (
    Action.SPAM,
    Action.WRONG_RECIPIENT,
    Action.PERSON,
    Action.UNSUPPORTED,
    Action.INFORMATION,
    Action.DOCUMENTED_ACTION,
    Action.ESCALATE,
)

# The step each button stands for (Responder: the initial response or an update).
ACTION_EVENTS: dict[Action, frozenset[Event]] = {
    Action.SPAM: frozenset({Event.MARK_SPAM}),
    Action.WRONG_RECIPIENT: frozenset({Event.WRONG_RECIPIENT}),
    Action.PERSON: frozenset({Event.REFER_TO_PERSON}),
    Action.UNSUPPORTED: frozenset({Event.UNSUPPORTED_PRODUCT}),
    Action.INFORMATION: frozenset({Event.RESOLVE_WITH_INFORMATION}),
    Action.DOCUMENTED_ACTION: frozenset({Event.RESOLVE_WITH_ACTION}),
    Action.ESCALATE: frozenset({Event.ESCALATE}),
    Action.USER_CONFIRMED: frozenset({Event.USER_CONFIRMED}),
    Action.NOT_FIXED: frozenset({Event.NOT_FIXED}),
    Action.TAKE_CASE: frozenset({Event.TAKE_CASE}),
    Action.DIAGNOSE: frozenset({Event.DIAGNOSE}),
    Action.MARK_FIXED: frozenset({Event.MARK_FIXED}),
    Action.RESPOND: frozenset({Event.RESPOND_INITIAL, Event.SEND_UPDATE}),
    Action.PROPOSE_RESOLUTION: frozenset({Event.PROPOSE_RESOLUTION}),
    Action.ACKNOWLEDGE: frozenset({Event.ACKNOWLEDGE}),
    Action.MORE_OPTIONS: frozenset(
        {Event.REFER_TO_PERSON, Event.UNSUPPORTED_PRODUCT, Event.WRONG_RECIPIENT}
    ),
}
# The step each modal's submission takes.
VIEW_EVENTS: dict[View, frozenset[Event]] = {
    View.WRONG_RECIPIENT: ACTION_EVENTS[Action.WRONG_RECIPIENT],
    View.PERSON: ACTION_EVENTS[Action.PERSON],
    View.UNSUPPORTED: ACTION_EVENTS[Action.UNSUPPORTED],
    View.INFORMATION: ACTION_EVENTS[Action.INFORMATION],
    View.DOCUMENTED_ACTION: ACTION_EVENTS[Action.DOCUMENTED_ACTION],
    View.ESCALATE: ACTION_EVENTS[Action.ESCALATE],
    View.DIAGNOSIS: ACTION_EVENTS[Action.DIAGNOSE],
    View.RESPONSE: ACTION_EVENTS[Action.RESPOND],
    View.FIXED: ACTION_EVENTS[Action.MARK_FIXED],
    View.RESOLUTION: ACTION_EVENTS[Action.PROPOSE_RESOLUTION],
    View.ACKNOWLEDGE: ACTION_EVENTS[Action.ACKNOWLEDGE],
    View.RESPONSE_PREVIEW: ACTION_EVENTS[Action.RESPOND],
}

CHECKED_VALUE = "checked"
NO_PERSON_VALUE = "__none__"
LEVELS = ("alta", "media", "baja")
