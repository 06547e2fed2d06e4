"""Conversation ids are namespaced by the channel that owns them.

Rasa keys every conversation by one sender id, shared by all channels. If a
channel took the platform's id as it is, the open REST channel could name a
LINE, Telegram or widget conversation by its bare id and act as that person
(security review H1). So every channel stores `<channel>:<platform id>`, and
a channel only ever builds ids in its own namespace.
"""

from __future__ import annotations

from typing import Tuple

SEPARATOR = ":"


class ConversationIdError(ValueError):
    """A conversation id is not `<channel>:<platform id>`."""


def conversation_id(channel: str, platform_id: str) -> str:
    """The conversation id of `platform_id` on `channel` (`line:U4af…`, `rest:alice`)."""
    if not channel or SEPARATOR in channel:
        raise ConversationIdError(f"bad channel name {channel!r}")
    if not platform_id:
        raise ConversationIdError("a conversation needs a platform id")
    return f"{channel}{SEPARATOR}{platform_id}"


def split(conversation: str) -> Tuple[str, str]:
    """(channel, platform id) of a conversation id."""
    channel, separator, platform_id = conversation.partition(SEPARATOR)
    if not separator or not channel or not platform_id:
        raise ConversationIdError(f"{conversation!r} is not a namespaced conversation id")
    return channel, platform_id


def platform_id(conversation: str, channel: str) -> str:
    """The platform's id inside `conversation`, which must belong to `channel`."""
    owner, platform = split(conversation)
    if owner != channel:
        raise ConversationIdError(f"conversation {conversation!r} does not belong to channel {channel!r}")
    return platform
