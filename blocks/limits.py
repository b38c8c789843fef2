"""Block Kit's documented length limits, in characters as Slack counts them (mrkdwn.slack_len)."""

SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
CONTEXT_TEXT_MAX = 3000
INPUT_VALUE_MAX = 3000
FALLBACK_TEXT_MAX = 200
