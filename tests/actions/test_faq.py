"""action_answer_faq: answer, ask which topic, ask to rephrase, or hand off."""

from typing import Any, Dict

import sqlalchemy as sa

from actions.faq import SUGGESTIONS, ActionAnswerDetails, ActionAnswerFaq
from bot.knowledge.search import search
from tests.actions.helpers import all_text, buttons, decisions, run_action, tickets, topic_ranking


def test_confident_japanese_question_gets_what_to_do_first_and_the_law_folded(action_database: str) -> None:
    messages, events = run_action(ActionAnswerFaq(), "faq_overtime_ja")

    assert decisions(messages) == [{"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}]
    first = messages[0]["text"]
    assert "1." in first and "⏳" in first  # the steps and the deadline on the first screen
    assert "労働基準法第37条" not in all_text(messages)  # the law waits behind "Details"
    assert [(b["title"], b["payload"]) for b in buttons(messages)] == [
        ("詳しく", '/faq_details{"topic":"overtime_pay"}'),
        ("👍 役に立った", '/feedback_positive{"topic":"overtime_pay"}'),
        ("👎 役に立たなかった", '/feedback_negative{"topic":"overtime_pay"}'),
    ]
    assert {"event": "slot", "name": "last_topic", "value": "overtime_pay", "timestamp": None} in events
    assert {"event": "slot", "name": "language", "value": "ja", "timestamp": None} in events


def test_details_give_the_law_the_public_sector_note_and_a_link(action_database: str) -> None:
    def details_of_overtime(state: Dict[str, Any]) -> None:
        state["latest_message"].update(text='/faq_details{"topic":"overtime_pay"}', intent={"name": "faq_details"})
        state["latest_message"]["entities"] = [{"entity": "topic", "value": "overtime_pay"}]

    messages, events = run_action(ActionAnswerDetails(), "topic_button_en", details_of_overtime)

    assert decisions(messages) == [{"type": "faq_details", "topic": "overtime_pay", "language": "en"}]
    text = all_text(messages)
    assert "Labor Standards Act, Art. 37" in text
    assert "https://" in text
    assert {"event": "slot", "name": "last_topic", "value": "overtime_pay", "timestamp": None} in events


def test_details_in_japanese_carry_the_public_sector_difference(action_database: str) -> None:
    def details_without_topic(state: Dict[str, Any]) -> None:
        state["latest_message"].update(text="/faq_details", intent={"name": "faq_details"}, entities=[])
        state["slots"].update(language="ja", last_topic="overtime_pay")

    messages, _ = run_action(ActionAnswerDetails(), "topic_button_en", details_without_topic)

    text = all_text(messages)
    assert "【公務員の方へ】" in text and "労働基準法第37条" in text


def test_topic_button_is_answered_without_the_model(action_database: str) -> None:
    messages, _ = run_action(ActionAnswerFaq(), "topic_button_en")

    assert decisions(messages) == [{"type": "faq_answer", "topic": "paid_leave", "language": "en"}]


def test_torn_between_close_topics_asks_which_and_opens_no_ticket(action_database: str) -> None:
    torn = topic_ranking(("dismissal_notice", 0.4), ("unfair_dismissal", 0.35), ("restructuring_layoff", 0.1))

    messages, events = run_action(ActionAnswerFaq(), "faq_uncertain_ja", torn)

    topics = ["dismissal_notice", "unfair_dismissal", "restructuring_layoff"]
    assert decisions(messages) == [{"type": "clarify", "topics": topics, "language": "ja"}]
    offered = buttons(messages)
    assert [b["payload"] for b in offered] == [
        '/faq{"topic":"dismissal_notice"}',
        '/faq{"topic":"unfair_dismissal"}',
        '/faq{"topic":"restructuring_layoff"}',
        "/request_human",
    ]
    assert offered[0]["title"] == "解雇予告・解雇予告手当"
    assert "相談員" in offered[-1]["title"]
    assert tickets(action_database) == []


def test_first_miss_asks_to_rephrase_with_examples_and_no_ticket(action_database: str) -> None:
    vague = topic_ranking(("where_to_consult", 0.12), ("power_harassment", 0.1), ("work_rules", 0.08))

    messages, events = run_action(ActionAnswerFaq(), "faq_uncertain_ja", vague)

    assert decisions(messages) == [{"type": "rephrase", "language": "ja"}]
    assert "残業代が払われない" in all_text(messages)
    assert {"event": "slot", "name": "rephrase_asked", "value": True, "timestamp": None} in events
    assert tickets(action_database) == []
    offered = buttons(messages)
    assert len(offered) <= SUGGESTIONS + 1
    assert offered[-1]["payload"] == "/request_human"


def test_say_it_another_way_suggests_topics_found_in_the_persons_words(action_database: str) -> None:
    vague = topic_ranking(("where_to_consult", 0.12), ("work_rules", 0.1), ("probation", 0.08))

    def in_words(state: dict) -> None:
        vague(state)
        state["latest_message"]["text"] = "上司に毎日どなられて、もう会社に行きたくない"

    messages, _ = run_action(ActionAnswerFaq(), "faq_uncertain_ja", in_words)

    # The contract is unchanged: one `rephrase`, no topics named in it.
    assert decisions(messages) == [{"type": "rephrase", "language": "ja"}]
    offered = buttons(messages)
    expected = [hit.topic for hit in search("上司に毎日どなられて、もう会社に行きたくない", "ja", SUGGESTIONS)]
    assert expected[0] == "power_harassment"
    # Suggestions are clarify-style buttons: titled in the person's language, a click answers the topic.
    assert [b["payload"] for b in offered] == [f'/faq{{"topic":"{t}"}}' for t in expected] + ["/request_human"]
    assert offered[0]["title"] == "パワーハラスメント"
    assert tickets(action_database) == []


def test_a_button_payload_gets_no_suggestions(action_database: str) -> None:
    vague = topic_ranking(("where_to_consult", 0.12), ("work_rules", 0.1), ("probation", 0.08))

    def payload(state: dict) -> None:
        vague(state)
        state["latest_message"]["text"] = "/faq"

    messages, _ = run_action(ActionAnswerFaq(), "faq_uncertain_ja", payload)

    assert [b["payload"] for b in buttons(messages)] == ["/request_human"]


def test_second_miss_opens_a_ticket_with_the_closest_topics(action_database: str) -> None:
    vague = topic_ranking(("where_to_consult", 0.12), ("power_harassment", 0.1), ("work_rules", 0.08))

    def asked_before(state: dict) -> None:
        vague(state)
        state["slots"]["rephrase_asked"] = True

    messages, _ = run_action(ActionAnswerFaq(), "faq_uncertain_ja", asked_before)

    [decision] = decisions(messages)
    assert decision["type"] == "handoff" and decision["priority"] == "normal"
    [row] = tickets(action_database)
    assert str(row["id"]) == decision["ticket"]
    assert row["reason"] == "low_confidence"
    assert row["language"] == "ja"
    engine = sa.create_engine(action_database)
    guesses = sa.JSON().result_processor(engine.dialect, None)(row["guesses"])
    assert [g["topic"] for g in guesses] == ["where_to_consult", "power_harassment", "work_rules"]
    transcript = sa.JSON().result_processor(engine.dialect, None)(row["transcript"])
    assert [line["text"] for line in transcript] == [
        "こんにちは",
        "こんにちは、Soba（そば）です。",
        "会社のことで困ってる",
    ]
    assert [b["payload"] for b in buttons(messages)] == [
        f'/faq{{"topic":"{t}"}}' for t in ("where_to_consult", "power_harassment", "work_rules")
    ]


def test_every_answer_shows_its_deadline_and_the_closing_text(action_database: str) -> None:
    for fixture, closing in (("faq_overtime_ja", "一般的な情報"), ("faq_overtime_en", "general information")):
        text = all_text(run_action(ActionAnswerFaq(), fixture)[0])

        assert "⏳" in text
        assert closing in text


def test_an_answer_in_easy_japanese_carries_furigana(action_database: str) -> None:
    def easy(state: Dict[str, Any]) -> None:
        state["slots"]["language"] = "ja-easy"

    messages, _ = run_action(ActionAnswerFaq(), "faq_overtime_ja", easy)

    assert decisions(messages) == [{"type": "faq_answer", "topic": "overtime_pay", "language": "ja-easy"}]
    answer = all_text(messages)
    assert "<ruby>残業<rt>ざんぎょう</rt></ruby>" in answer and "<ruby>労働<rt>ろうどう</rt></ruby>" in answer
    # Buttons stay plain: LINE cuts a label at 20 characters.
    assert all("<ruby>" not in button["title"] for message in messages for button in message.get("buttons") or [])


def test_a_conversation_moved_to_another_language_offers_the_way_back_in_one_tap(action_database: str) -> None:
    def was_japanese(state: Dict[str, Any]) -> None:
        state["slots"]["language"] = "ja"

    messages, events = run_action(ActionAnswerFaq(), "faq_overtime_en", was_japanese)

    assert decisions(messages) == [{"type": "faq_answer", "topic": "overtime_pay", "language": "en"}]
    assert {"title": "🌐 日本語", "payload": '/choose_language{"language":"ja"}'} in buttons(messages)


def test_an_ambiguous_first_message_offers_the_other_candidate(action_database: str) -> None:
    def kanji_only(state: Dict[str, Any]) -> None:
        state["latest_message"].update(language="ja", language_candidates=["ja", "zh"])

    messages, _ = run_action(ActionAnswerFaq(), "faq_overtime_ja", kanji_only)

    assert buttons(messages)[-3]["payload"] == '/choose_language{"language":"zh"}'


def test_a_conversation_that_stays_in_its_language_gets_no_language_button(action_database: str) -> None:
    def was_english(state: Dict[str, Any]) -> None:
        state["slots"]["language"] = "en"

    messages, _ = run_action(ActionAnswerFaq(), "faq_overtime_en", was_english)

    assert not any(b["payload"].startswith("/choose_language") for b in buttons(messages))
