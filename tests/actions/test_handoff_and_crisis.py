"""action_handoff and action_crisis write real tickets."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.crisis import ActionCrisis
from actions.handoff import ActionHandoff
from tests.actions.helpers import all_text, decisions, run_action, tickets
from tests.conftest import clear_caches, load_tracker_state


def test_request_human_opens_a_normal_ticket_and_says_what_happens_next(action_database: str) -> None:
    messages, _ = run_action(ActionHandoff(), "request_human_ja")

    [row] = tickets(action_database)
    assert decisions(messages) == [{"type": "handoff", "ticket": str(row["id"]), "priority": "normal"}]
    assert row["reason"] == "request_human" and row["status"] == "open" and row["channel"] == "rest"
    text = all_text(messages)
    assert f"受付番号 {row['id']}" in text
    assert "労働相談センター（本部）" in text and "110" in text
    assert "いまは受付時間内" in text or ("以降にお返事します" in text and "0120-811-610" in text)


def test_asking_again_reuses_the_open_ticket(action_database: str) -> None:
    run_action(ActionHandoff(), "request_human_ja")
    messages, _ = run_action(ActionHandoff(), "request_human_ja")

    assert len(tickets(action_database)) == 1
    assert "すでに受付番号" in all_text(messages)


def test_crisis_gives_contacts_and_an_urgent_ticket(action_database: str) -> None:
    messages, _ = run_action(ActionCrisis(), "crisis_ja")

    [row] = tickets(action_database)
    assert decisions(messages) == [{"type": "crisis", "ticket": str(row["id"])}]
    assert row["priority"] == "urgent" and row["reason"] == "crisis"
    text = all_text(messages)
    for number in ("110", "119", "0120-279-338", "0120-279-226", "0570-783-556"):
        assert number in text
    # Contacts come first: they must not wait for anything else.
    assert "0120-279-338" in messages[0]["text"]


def test_crisis_escalates_an_open_normal_ticket(action_database: str) -> None:
    run_action(ActionHandoff(), "request_human_ja")
    state_sender = "worker-human"

    crisis = load_tracker_state("crisis_ja")
    crisis["sender_id"] = state_sender
    asyncio.run(ActionCrisis().run(CollectingDispatcher(), Tracker.from_dict(crisis), {}))

    [row] = tickets(action_database)
    assert row["priority"] == "urgent" and row["reason"] == "crisis"


def test_crisis_contacts_survive_a_broken_database(action_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOBA_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    clear_caches()
    messages, _ = run_action(ActionCrisis(), "crisis_ja")

    assert "0120-279-338" in all_text(messages)
    assert decisions(messages) == [{"type": "crisis", "ticket": None}]


def test_request_human_offers_topics_closest_to_the_question_asked_before(action_database: str) -> None:
    messages, _ = run_action(ActionHandoff(), "request_human_after_question_ja")

    [row] = tickets(action_database)
    payloads = [b["payload"] for message in messages for b in message.get("buttons") or []]
    assert payloads == [f'/faq{{"topic":"{t}"}}' for t in ("where_to_consult", "power_harassment", "work_rules")]
    assert "where_to_consult" in str(row["guesses"])


def test_request_human_without_a_question_offers_no_topics(action_database: str) -> None:
    messages, _ = run_action(ActionHandoff(), "request_human_ja")

    assert not [b for message in messages for b in message.get("buttons") or []]
