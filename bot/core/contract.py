"""Names shared by domain.yml, the channels, the actions and the console.

A slot, a metadata key or an intent payload is a contract between parts
that run in different processes (the Rasa server's channels, the action
server, the console). Each name is written once, here, at the bottom of the
layers, so no channel has to import the action side to learn a string.
"""

from __future__ import annotations

# Slots (domain.yml).
LANGUAGE_SLOT = "language"
LANGUAGE_LOCKED_SLOT = "language_locked"
LAST_TOPIC_SLOT = "last_topic"
REPHRASE_ASKED_SLOT = "rephrase_asked"
# A ticket is active: the person's messages go to the counselor, the bot stays quiet.
HANDOFF_SLOT = "handoff_active"

# Entities carried by button payloads.
TOPIC_ENTITY = "topic"
LANGUAGE_ENTITY = "language"

# Metadata a channel sets on the person's message.
# The channel cut an over-long message before NLU.
TRUNCATED_METADATA = "truncated"
# The language the platform says the person uses (Telegram's language_code,
# LINE's profile, the widget's setting); a hint, never a decision.
LANGUAGE_HINT_METADATA = "language"
# A pseudonym of the client's network address (REST, widget), for the
# per-address limit on new tickets; never the address itself.
ORIGIN_METADATA = "origin"

# Metadata on a counselor's reply (a bot event appended through Rasa's API).
STAFF_METADATA = "staff"
# The console's id for one reply, so a retried delivery is sent once.
REPLY_ID_METADATA = "reply_id"

# Intents and the payloads that trigger them without NLU.
CRISIS_INTENT = "crisis"
GREET_PAYLOAD = "/greet"
REQUEST_HUMAN_PAYLOAD = "/request_human"
NO_TEXT_PAYLOAD = "/no_text"
CANCEL_TICKET_PAYLOAD = "/cancel_ticket"
