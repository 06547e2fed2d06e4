"""Rasa bot messages as LINE messages: plain text, buttons as quick replies.

Answers are plain text: LINE links URLs in text by itself, a text message
holds 5,000 characters (an answer is under 1,000), and plain text reads the
same in every LINE client, where a Flex bubble would cut the law references
into a layout that differs per device; furigana (ruby markup in やさしい日本語
answers) is written as 漢字(かんじ). Buttons (clarify topics, "none of
these", 👍/👎) become quick-reply postbacks: the tap shows the button's
title in the chat (`displayText`) and sends its payload to Soba. More
buttons than a quick reply holds (the menu of every language) become one
Flex bubble with a button per choice, with the same postbacks.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from linebot.models import (
    BoxComponent,
    BubbleContainer,
    ButtonComponent,
    FlexSendMessage,
    ImageSendMessage,
    PostbackAction,
    QuickReply,
    QuickReplyButton,
    SendMessage,
    TextSendMessage,
)

from bot.text.furigana import in_parentheses

# LINE's limits (Messaging API reference).
MAX_TEXT_CHARS = 5000
MAX_LABEL_CHARS = 20
MAX_DISPLAY_TEXT_CHARS = 300
MAX_POSTBACK_DATA_CHARS = 300
MAX_QUICK_REPLY_ITEMS = 13
MAX_ALT_TEXT_CHARS = 400
MAX_MESSAGES_PER_CALL = 5


def _postback(button: Mapping[str, Any]) -> PostbackAction:
    return PostbackAction(
        label=_label(str(button["title"])),
        data=str(button["payload"])[:MAX_POSTBACK_DATA_CHARS],
        display_text=str(button["title"])[:MAX_DISPLAY_TEXT_CHARS],
    )


def button_list(text: str, buttons: Sequence[Mapping[str, Any]]) -> FlexSendMessage:
    """A Flex bubble: one postback button per choice, however many (the alt text is `text`)."""
    return FlexSendMessage(
        alt_text=text[:MAX_ALT_TEXT_CHARS] or "👇",
        contents=BubbleContainer(
            body=BoxComponent(
                layout="vertical",
                spacing="sm",
                contents=[
                    ButtonComponent(action=_postback(button), style="secondary", height="sm")
                    for button in buttons
                    if button.get("payload")
                ],
            )
        ),
    )


def _label(title: str) -> str:
    return title if len(title) <= MAX_LABEL_CHARS else title[: MAX_LABEL_CHARS - 1] + "…"


def quick_reply(buttons: Sequence[Mapping[str, Any]]) -> QuickReply | None:
    """Rasa buttons (`title`, `payload`) as LINE quick-reply postbacks."""
    items = [
        QuickReplyButton(action=_postback(button))
        for button in buttons[:MAX_QUICK_REPLY_ITEMS]
        if button.get("payload")
    ]
    return QuickReply(items=items) if items else None


def to_line_messages(bot_messages: Sequence[Mapping[str, Any]]) -> List[SendMessage]:
    """One LINE message per Rasa message with text or an image; `custom` is for programs, not shown.

    A message with buttons but no text still needs a text to carry its quick
    replies; LINE shows quick replies only under the last message of a batch,
    so buttons are moved to the last message sent.
    """
    messages: List[SendMessage] = []
    buttons: List[Mapping[str, Any]] = []
    for message in bot_messages:
        text = in_parentheses(message.get("text") or "").strip()
        if text:
            messages.append(TextSendMessage(text=text[:MAX_TEXT_CHARS]))
        if message.get("image"):
            url = str(message["image"])
            messages.append(ImageSendMessage(original_content_url=url, preview_image_url=url))
        buttons.extend(message.get("buttons") or [])
    if len(buttons) > MAX_QUICK_REPLY_ITEMS:
        last_text = next((m.text for m in reversed(messages) if isinstance(m, TextSendMessage)), "")
        messages.append(button_list(last_text, buttons))
    elif buttons:
        if not messages or not isinstance(messages[-1], TextSendMessage):
            messages.append(TextSendMessage(text="👇"))
        messages[-1].quick_reply = quick_reply(buttons)
    return messages


def batches(messages: Sequence[SendMessage]) -> List[List[SendMessage]]:
    """Split into calls of at most five messages, LINE's limit per reply or push."""
    return [list(messages[i : i + MAX_MESSAGES_PER_CALL]) for i in range(0, len(messages), MAX_MESSAGES_PER_CALL)]


def as_json(messages: Sequence[SendMessage]) -> List[Dict[str, Any]]:
    """The JSON LINE receives, for logs and tests."""
    return [message.as_json_dict() for message in messages]
