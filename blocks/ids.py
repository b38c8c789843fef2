"""Every Block Kit action_id, callback_id and block_id the app uses, in one place."""

from __future__ import annotations

# Card buttons (triage chain, in the order the agent tries them).
ACTION_SPAM = "triage_spam"
ACTION_WRONG_RECIPIENT = "triage_wrong_recipient"
ACTION_PERSON = "triage_person"
ACTION_UNSUPPORTED = "triage_unsupported"
ACTION_INFORMATION = "triage_information"
ACTION_DOCUMENTED_ACTION = "triage_documented_action"
ACTION_ESCALATE = "triage_escalate"
ACTION_USER_CONFIRMED = "window_user_confirmed"
ACTION_NOT_FIXED = "window_not_fixed"

TRIAGE_ACTIONS = (
    ACTION_SPAM,
    ACTION_WRONG_RECIPIENT,
    ACTION_PERSON,
    ACTION_UNSUPPORTED,
    ACTION_INFORMATION,
    ACTION_DOCUMENTED_ACTION,
    ACTION_ESCALATE,
)

# Modals (callback_id).
VIEW_WRONG_RECIPIENT = "modal_wrong_recipient"
VIEW_PERSON = "modal_person"
VIEW_UNSUPPORTED = "modal_unsupported"
VIEW_INFORMATION = "modal_information"
VIEW_DOCUMENTED_ACTION = "modal_documented_action"

# Modal inputs: block_id and action_id share the name.
BLOCK_REPLY = "reply"
BLOCK_PERSON = "person"
BLOCK_PRODUCT = "product"
BLOCK_PROCEDURE = "procedure"
BLOCK_CHECKED = "checked"
BLOCK_SUMMARY = "summary"

CHECKED_VALUE = "checked"
NO_PERSON_VALUE = "__none__"

# Card blocks.
BLOCK_CARD_ACTIONS = "card_actions"
BLOCK_CARD_STATUS = "card_status"

# Escalation (issue: product-channel threads).
ACTION_TAKE_CASE = "escalation_take_case"
ACTION_DIAGNOSE = "escalation_diagnose"
ACTION_MARK_FIXED = "escalation_mark_fixed"
ACTION_RESPOND = "card_respond_to_user"
ACTION_PROPOSE_RESOLUTION = "card_propose_resolution"

VIEW_ESCALATE = "modal_escalate"
VIEW_DIAGNOSIS = "modal_diagnosis"
VIEW_RESPONSE = "modal_response"
VIEW_FIXED = "modal_fixed"
VIEW_RESOLUTION = "modal_resolution"

BLOCK_NOTES = "notes"
BLOCK_DIAGNOSIS = "diagnosis"
BLOCK_CERTAINTY = "certainty"
BLOCK_ESTIMATE = "estimate"
BLOCK_CONFIDENCE = "confidence"
BLOCK_REQUIRED_INFO = "required_info"
BLOCK_USEFUL_INFO = "useful_info"
BLOCK_PLAIN_DIAGNOSIS = "plain_diagnosis"
BLOCK_EXPECTED_DATE = "expected_date"
BLOCK_WORKAROUND = "workaround"
BLOCK_FIX_NOTE = "fix_note"

LEVELS = ("alta", "media", "baja")
BLOCK_ESCALATION_ACTIONS = "escalation_actions"

# /soporte and the App Home (dashboard).
VIEW_HOME = "home_dashboard"
BLOCK_HOME_CASE = "home_case_"  # + ticket id: the actions block of one case on the Home
