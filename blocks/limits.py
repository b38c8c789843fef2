"""Block Kit's limits: text lengths in characters as Slack counts them (`mrkdwn.slack_len`),
and blocks per message, view and section."""

SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
CONTEXT_TEXT_MAX = 3000
INPUT_VALUE_MAX = 3000
FALLBACK_TEXT_MAX = 200
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
FIELDS_MAX = 10  # fields of one section
# Text in one message's blocks: Slack refuses a message from about 12,000 characters of
# block text (msg_blocks_too_long, no documented figure), so answers stay well below.
MESSAGE_TEXT_BUDGET = 10_000
