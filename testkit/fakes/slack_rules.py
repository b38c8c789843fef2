"""The Block Kit and message limits Slack enforces, as the Slack fake checks them.

Every rule cites the page it comes from (docs.slack.dev, the current home of api.slack.com's
reference). A payload that breaks one is refused the way Slack refuses it: `invalid_blocks`
from chat.* (`invalid_arguments` from views.*), with `response_metadata.messages` saying
what and where (`[ERROR] … [json-pointer:/blocks/0/text/text]`), as Slack answers.

Lengths are counted as Slack may count them, never lower: in UTF-16 code units (what
Slack's clients count; an emoji outside the BMP is two), and an emoji as the `:shortcode:`
Slack stores it as (https://docs.slack.dev/messaging/formatting-message-text#emoji: emoji in
text are converted to their colon codes), taken at the length of a long shortcode with a
skin tone (`:woman-raising-hand::skin-tone-6:`).
"""

from __future__ import annotations

from typing import Any

import regex

EMOJI_AS_SHORTCODE = 36
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")

BLOCKS = "https://docs.slack.dev/reference/block-kit/blocks"
ELEMENTS = "https://docs.slack.dev/reference/block-kit/block-elements"
OBJECTS = "https://docs.slack.dev/reference/block-kit/composition-objects"

# https://docs.slack.dev/reference/methods/chat.postMessage: "blocks: up to 50 blocks".
MESSAGE_BLOCKS_MAX = 50
# https://docs.slack.dev/reference/views/modal-views and .../home-tab-views: "Max 100 blocks".
VIEW_BLOCKS_MAX = 100
# https://docs.slack.dev/reference/methods/chat.postMessage#text-limits: text over 40,000
# characters is refused as `msg_too_long`.
MESSAGE_TEXT_MAX = 40_000
# chat.postMessage lists `msg_blocks_too_long` ("Blocks submitted with this message are too
# long") without a figure; it is reported from about 12,000-13,000 characters of block text,
# so the fake refuses from the lower end.
MESSAGE_BLOCK_TEXT_MAX = 12_000
# https://docs.slack.dev/reference/views/modal-views: title, submit and close "Max length
# 24 characters"; private_metadata "Max length 3000 characters"; callback_id and
# external_id "Max length 255 characters" (the Home tab, .../home-tab-views, likewise).
VIEW_BUTTON_TEXT_MAX = 24
PRIVATE_METADATA_MAX = 3000
VIEW_ID_MAX = 255


def slack_length(text: str) -> int:
    """The length of `text` as Slack may count it (see the module docstring)."""
    length = 0
    for cluster in _GRAPHEME.findall(text):
        if _EMOJI.search(cluster):
            length += EMOJI_AS_SHORTCODE
        else:
            length += len(cluster.encode("utf-16-le")) // 2
    return length


class _Check:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.fail(pointer, "missing required field")
            return
        if not isinstance(value, str):
            self.fail(pointer, "must be a string")
            return
        n = slack_length(value)
        if required and n < 1:
            self.fail(pointer, "must be more than 0 characters")
        if n > limit:
            self.fail(pointer, f"must be less than {limit + 1} characters")

    def count(self, items: Any, limit: int, pointer: str, minimum: int = 0) -> list[Any]:
        if not isinstance(items, list):
            self.fail(pointer, "must be an array")
            return []
        if len(items) > limit:
            self.fail(pointer, f"must have no more than {limit} items")
        if len(items) < minimum:
            self.fail(pointer, f"must have at least {minimum} items")
        return items

    # -- composition objects -------------------------------------------------------------

    def text(self, obj: Any, limit: int, pointer: str, *, plain: bool = False) -> None:
        # OBJECTS/text-object: type plain_text or mrkdwn; "text: minimum 1, maximum 3000".
        if not isinstance(obj, dict):
            self.fail(pointer, "must be a text object")
            return
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if obj.get("type") not in kinds:
            self.fail(f"{pointer}/type", f"must be one of {', '.join(kinds)}")
        self.length(obj.get("text"), min(limit, 3000), f"{pointer}/text")

    def option(self, obj: Any, pointer: str) -> None:
        # OBJECTS/option-object: text max 75, value max 150, description max 75.
        if not isinstance(obj, dict):
            self.fail(pointer, "must be an option object")
            return
        self.text(obj.get("text"), 75, f"{pointer}/text")
        self.length(obj.get("value"), 150, f"{pointer}/value")
        if obj.get("description") is not None:
            self.text(obj["description"], 75, f"{pointer}/description")

    def options(self, obj: dict[str, Any], pointer: str, minimum: int = 1) -> list[Any]:
        """`options` or `option_groups` of a select; the options they hold."""
        # ELEMENTS/select-menu-element: "options: Maximum number of options is 100";
        # "option_groups: Maximum number of option groups is 100"; one or the other. With
        # groups the page is silent on a total; the fake holds the menu to 100 options in
        # all, as it does without groups (the stricter reading).
        held: list[Any] = []
        if "options" in obj and "option_groups" in obj:
            self.fail(pointer, "must provide either options or option_groups, not both")
        if "option_groups" in obj:
            groups = self.count(obj["option_groups"], 100, f"{pointer}/option_groups", minimum)
            for i, group in enumerate(groups):
                # OBJECTS/option-group-object: label max 75, options max 100.
                where = f"{pointer}/option_groups/{i}"
                group = group if isinstance(group, dict) else {}
                self.text(group.get("label"), 75, f"{where}/label", plain=True)
                for j, item in enumerate(self.count(group.get("options"), 100, f"{where}/options")):
                    self.option(item, f"{where}/options/{j}")
                    held.append(item)
            if len(held) > 100:
                self.fail(f"{pointer}/option_groups", "must have no more than 100 options in all")
        elif "options" in obj:
            for i, item in enumerate(
                self.count(obj["options"], 100, f"{pointer}/options", minimum)
            ):
                self.option(item, f"{pointer}/options/{i}")
                held.append(item)
        return held

    def confirm(self, obj: Any, pointer: str) -> None:
        # OBJECTS/confirmation-dialog-object: title 100, text 300, confirm and deny 30.
        obj = obj if isinstance(obj, dict) else {}
        self.text(obj.get("title"), 100, f"{pointer}/title", plain=True)
        self.text(obj.get("text"), 300, f"{pointer}/text")
        self.text(obj.get("confirm"), 30, f"{pointer}/confirm", plain=True)
        self.text(obj.get("deny"), 30, f"{pointer}/deny", plain=True)

    # -- elements ------------------------------------------------------------------------

    def element(self, el: Any, pointer: str) -> None:
        if not isinstance(el, dict):
            self.fail(pointer, "must be an element object")
            return
        kind = el.get("type")
        if el.get("action_id") is not None:
            # ELEMENTS (every interactive element): "action_id: Maximum length 255".
            self.length(el["action_id"], 255, f"{pointer}/action_id")
        if el.get("confirm") is not None:
            self.confirm(el["confirm"], f"{pointer}/confirm")
        if el.get("placeholder") is not None:
            # ELEMENTS/select-menu-element and plain-text-input: placeholder max 150.
            self.text(el["placeholder"], 150, f"{pointer}/placeholder", plain=True)
        if kind == "button":
            # ELEMENTS/button-element: text max 75, value max 2000, url max 3000.
            self.text(el.get("text"), 75, f"{pointer}/text", plain=True)
            self.length(el.get("value"), 2000, f"{pointer}/value", required=False)
            self.length(el.get("url"), 3000, f"{pointer}/url", required=False)
            if el.get("style") not in (None, "primary", "danger"):
                self.fail(f"{pointer}/style", "must be primary or danger")
        elif kind == "static_select":
            held = self.options(el, pointer)
            if "options" not in el and "option_groups" not in el:
                self.fail(pointer, "must provide options or option_groups")
            initial = el.get("initial_option")
            # ELEMENTS/select-menu-element: "initial_option: A single option that exactly
            # matches one of the options within options or option_groups".
            if initial is not None and initial not in held:
                self.fail(f"{pointer}/initial_option", "must match one of the options")
        elif kind == "external_select":
            # ELEMENTS/select-menu-element#external_select: options come from the app's
            # options load URL; min_query_length is a number (default 3).
            if "options" in el or "option_groups" in el:
                self.fail(pointer, "external_select takes no options")
            if el.get("initial_option") is not None:
                self.option(el["initial_option"], f"{pointer}/initial_option")
            mql = el.get("min_query_length")
            if mql is not None and (not isinstance(mql, int) or mql < 0):
                self.fail(f"{pointer}/min_query_length", "must be a non-negative integer")
        elif kind in ("checkboxes", "radio_buttons"):
            # ELEMENTS/checkboxes-element and radio-button-group-element: max 10 options.
            for i, item in enumerate(self.count(el.get("options"), 10, f"{pointer}/options", 1)):
                self.option(item, f"{pointer}/options/{i}")
        elif kind == "plain_text_input":
            # ELEMENTS/plain-text-input-element: max_length at most 3000; initial_value is
            # a string within it.
            top = el.get("max_length", 3000)
            if not isinstance(top, int) or not 0 < top <= 3000:
                self.fail(f"{pointer}/max_length", "must be between 1 and 3000")
                top = 3000
            if el.get("initial_value") is not None:
                self.length(el["initial_value"], top, f"{pointer}/initial_value", required=False)
        elif kind not in KNOWN_ELEMENTS:
            self.fail(f"{pointer}/type", f"unsupported element type {kind!r}")

    # -- blocks --------------------------------------------------------------------------

    def block(self, block: Any, pointer: str, surface: str) -> None:
        if not isinstance(block, dict):
            self.fail(pointer, "must be a block object")
            return
        kind = block.get("type")
        if block.get("block_id") is not None:
            # BLOCKS/*: "block_id: Maximum length for this field is 255 characters".
            self.length(block["block_id"], 255, f"{pointer}/block_id")
        if kind == "header":
            # BLOCKS/header-block: plain_text, "Maximum length ... is 150 characters".
            self.text(block.get("text"), 150, f"{pointer}/text", plain=True)
        elif kind == "section":
            # BLOCKS/section-block: text max 3000; fields max 10 items of 2000 each; one of
            # text or fields is required.
            if block.get("text") is None and block.get("fields") is None:
                self.fail(pointer, "must provide text or fields")
            if block.get("text") is not None:
                self.text(block["text"], 3000, f"{pointer}/text")
            if block.get("fields") is not None:
                fields = self.count(block["fields"], 10, f"{pointer}/fields", 1)
                for i, item in enumerate(fields):
                    self.text(item, 2000, f"{pointer}/fields/{i}")
            if block.get("accessory") is not None:
                self.element(block["accessory"], f"{pointer}/accessory")
        elif kind == "context":
            # BLOCKS/context-block: "elements: Maximum number of items is 10".
            for i, item in enumerate(
                self.count(block.get("elements"), 10, f"{pointer}/elements", 1)
            ):
                if isinstance(item, dict) and item.get("type") in ("plain_text", "mrkdwn"):
                    self.text(item, 3000, f"{pointer}/elements/{i}")
        elif kind == "actions":
            # BLOCKS/actions-block: "elements: ... maximum of 25 elements".
            for i, item in enumerate(
                self.count(block.get("elements"), 25, f"{pointer}/elements", 1)
            ):
                self.element(item, f"{pointer}/elements/{i}")
        elif kind == "input":
            # BLOCKS/input-block: label max 2000, hint max 2000; modals and Home tabs only.
            if surface == "message":
                self.fail(f"{pointer}/type", "input blocks are not allowed in messages")
            self.text(block.get("label"), 2000, f"{pointer}/label", plain=True)
            if block.get("hint") is not None:
                self.text(block["hint"], 2000, f"{pointer}/hint", plain=True)
            self.element(block.get("element"), f"{pointer}/element")
        elif kind not in KNOWN_BLOCKS:
            self.fail(f"{pointer}/type", f"unsupported block type {kind!r}")

    def blocks(self, blocks: Any, surface: str, pointer: str = "/blocks") -> None:
        limit = MESSAGE_BLOCKS_MAX if surface == "message" else VIEW_BLOCKS_MAX
        seen: set[str] = set()
        for i, block in enumerate(self.count(blocks, limit, pointer)):
            self.block(block, f"{pointer}/{i}", surface)
            block_id = block.get("block_id") if isinstance(block, dict) else None
            # BLOCKS/*: block_id "should be unique for each message"; Slack refuses repeats.
            if block_id is not None:
                if block_id in seen:
                    self.fail(f"{pointer}/{i}/block_id", f"duplicate block_id {block_id!r}")
                seen.add(block_id)


KNOWN_BLOCKS = frozenset(
    {"divider", "image", "rich_text", "file", "video", "markdown", "table", "context_actions"}
)
KNOWN_ELEMENTS = frozenset(
    {
        "image",
        "overflow",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "email_text_input",
        "number_input",
        "url_text_input",
        "rich_text_input",
        "file_input",
    }
)


def _block_text(value: Any) -> int:
    """The characters of text in a blocks structure (what msg_blocks_too_long measures)."""
    if isinstance(value, dict):
        return sum(_block_text(v) for k, v in value.items() if k not in ("type", "block_id"))
    if isinstance(value, list):
        return sum(_block_text(v) for v in value)
    return slack_length(value) if isinstance(value, str) else 0


def message_errors(text: Any, blocks: Any) -> tuple[str, list[str]] | None:
    """(error, messages) Slack answers a message with, or None when it is accepted."""
    if isinstance(text, str) and slack_length(text) > MESSAGE_TEXT_MAX:
        return "msg_too_long", [f"[ERROR] must be less than {MESSAGE_TEXT_MAX + 1} characters"]
    if blocks is None:
        return None
    check = _Check()
    check.blocks(blocks, "message")
    if check.errors:
        return "invalid_blocks", check.errors
    if _block_text(blocks) > MESSAGE_BLOCK_TEXT_MAX:
        return "msg_blocks_too_long", ["[ERROR] blocks are too long"]
    return None


def view_errors(view: dict[str, Any]) -> list[str]:
    """Why Slack would refuse `view` in views.open/push/update/publish (empty: it would not)."""
    check = _Check()
    kind = view.get("type")
    if kind not in ("modal", "home"):
        check.fail("/view/type", "must be modal or home")
    if kind == "modal":
        check.text(view.get("title"), VIEW_BUTTON_TEXT_MAX, "/view/title", plain=True)
        for name in ("submit", "close"):
            if view.get(name) is not None:
                check.text(view[name], VIEW_BUTTON_TEXT_MAX, f"/view/{name}", plain=True)
        has_input = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
        )
        # https://docs.slack.dev/reference/views/modal-views: "submit ... required when an
        # input block is within the blocks array".
        if has_input and view.get("submit") is None:
            check.fail("/view/submit", "required when the view has input blocks")
    check.length(
        view.get("private_metadata"), PRIVATE_METADATA_MAX, "/view/private_metadata", required=False
    )
    for name in ("callback_id", "external_id"):
        check.length(view.get(name), VIEW_ID_MAX, f"/view/{name}", required=False)
    check.blocks(view.get("blocks", []), kind or "modal", "/view/blocks")
    return check.errors


def options_errors(payload: dict[str, Any]) -> list[str]:
    """Why Slack would not show an options load response (block_suggestion answer).

    https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select:
    the response is `{"options": [...]}` or `{"option_groups": [...]}` with the same limits
    as a static menu's."""
    check = _Check()
    if "options" not in payload and "option_groups" not in payload:
        check.fail("", "must provide options or option_groups")
    check.options(payload, "", minimum=0)
    return check.errors
