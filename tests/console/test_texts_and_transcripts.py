"""The console's words in both UI languages, and the conversation as a Japanese-reading counselor sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

from actions.common import knowledge
from bot.console import i18n
from bot.console.audit import Action
from bot.console.models import Role
from bot.console.transcripts import LineContext, lines_from_events
from bot.handoff.models import Priority, Reason, Status
from bot.settings import load_settings


def test_both_ui_languages_have_every_text_and_every_state_has_a_name() -> None:
    assert set(i18n.TEXTS["ja"]) == set(i18n.TEXTS["en"])
    needed = (
        [f"status_{s.value}" for s in Status]
        + [f"priority_{p.value}" for p in Priority]
        + [f"reason_{r.value}" for r in Reason]
        + [f"role_{r.value}" for r in Role]
        + [f"action_{a.value}" for a in Action]
    )
    for language in i18n.UI_LANGUAGES:
        assert [key for key in needed if key not in i18n.TEXTS[language]] == []
    for code in load_settings(env={}).language_codes:
        assert code in i18n.LANGUAGE_NAMES["ja"] and code in i18n.LANGUAGE_NAMES["en"]


def test_waiting_times_read_naturally() -> None:
    assert i18n.duration("ja", dt.timedelta(minutes=7)) == "7分"
    assert i18n.duration("ja", dt.timedelta(hours=2, minutes=5)) == "2時間5分"
    assert i18n.duration("ja", dt.timedelta(days=3, hours=4)) == "3日4時間"
    assert i18n.duration("en", dt.timedelta(hours=1, minutes=1)) == "1 h 1 min"


def faq_parse(topic: str) -> Dict[str, Any]:
    return {
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"faq": {"ranking": [{"intent_response_key": f"faq/{topic}", "confidence": 0.8}]}},
    }


def test_a_message_in_another_language_shows_its_language_and_the_topic_in_japanese() -> None:
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": "My boss does not pay overtime",
            "timestamp": 1.7e9,
            "parse_data": faq_parse("overtime_pay"),
        },
        {"event": "user", "text": "残業代が出ません", "timestamp": 1.7e9, "parse_data": faq_parse("overtime_pay")},
        {"event": "user", "text": "I want to talk to a human", "parse_data": {"intent": {"name": "request_human"}}},
        {"event": "bot", "text": "Soba here"},
        {"event": "bot", "text": "This is Tanaka", "metadata": {"staff": "tanaka"}},
        {"event": "bot", "text": "", "data": {"custom": {"type": "handoff"}}},
    ]
    context = LineContext(
        ui="ja",
        language_codes=("ja", "en"),
        topic_title=lambda topic: knowledge()[topic].title["ja"],
        staff_names={"tanaka": "田中"},
    )

    lines = lines_from_events(events, context)

    title = knowledge()["overtime_pay"].title["ja"]
    assert [(line.role, line.author, line.text) for line in lines] == [
        ("user", "相談者", "My boss does not pay overtime"),
        ("user", "相談者", "残業代が出ません"),
        ("user", "相談者", "I want to talk to a human"),
        ("bot", "Soba（ボット）", "Soba here"),
        ("staff", "相談員 田中", "This is Tanaka"),
    ]
    assert (lines[0].language_note, lines[0].topic_note) == ("言語: 英語", f"話題の推測: {title}")
    assert (lines[1].language_note, lines[1].topic_note) == ("", "")
    # Not a question, so no topic guess; the language still helps.
    assert (lines[2].language_note, lines[2].topic_note) == ("言語: 英語", "")
    assert lines[0].at.startswith("2023-11-15")  # Japan time


def test_a_reply_in_easy_japanese_shows_its_kanji_without_the_ruby_markup() -> None:
    events: List[Dict[str, Any]] = [
        {"event": "bot", "text": "<ruby>残業<rt>ざんぎょう</rt></ruby>のお<ruby>金<rt>かね</rt></ruby>はもらえます。"},
    ]
    context = LineContext(ui="ja", language_codes=("ja",), topic_title=str, staff_names={})

    [line] = lines_from_events(events, context)

    assert line.text == "残業のお金はもらえます。"
