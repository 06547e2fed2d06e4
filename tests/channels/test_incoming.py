"""What every channel does to a message before NLU."""

import pytest

from bot.channels.incoming import NO_TEXT_PAYLOAD, prepare


@pytest.mark.parametrize("raw", ["", "   \n\t", None, 123, ["x"], {"text": "x"}])
def test_no_text_becomes_the_no_text_intent(raw: object) -> None:
    assert prepare(raw, 2000).text == NO_TEXT_PAYLOAD


def test_a_normal_message_passes_unchanged_without_metadata() -> None:
    incoming = prepare(" 残業代が払われません ", 2000)

    assert (incoming.text, incoming.metadata) == ("残業代が払われません", {})


def test_a_long_message_keeps_its_head_and_tail_and_says_so() -> None:
    story = "前置き" * 1000 + "最後に：死にたい"

    incoming = prepare(story, 2000)

    assert len(incoming.text) <= 2000
    assert incoming.text.startswith("前置き") and incoming.text.endswith("死にたい")
    assert incoming.metadata == {"truncated": True}
