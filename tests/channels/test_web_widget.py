"""The web widget through the real Rasa server: its WebSocket protocol, and the widget in Debian's Chromium.

The protocol tests speak to `/widget/ws` with the `websockets` client; the
browser tests load the demo page (strict CSP) in headless Chromium driven by
Playwright and use the widget only as a person would (clicks, keys, text).
Counselor-style pushes go through Rasa's HTTP API as the staff console does.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
import websockets
from websockets.exceptions import ConnectionClosed

from bot.decision import Outcome
from bot.languages import choose_language_payload
from bot.settings import load_settings
from bot.texts import get_texts
from tests.conftest import Servers
from tests.test_end_to_end import AMBIGUOUS, first_decided

pytestmark = pytest.mark.e2e

QUESTION = "残業代が払われません"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TURN_SECONDS = 60.0


# ---- helpers: the protocol ----------------------------------------------------


def socket_url(servers: Servers) -> str:
    return servers.rasa_url.replace("http://", "ws://") + "/widget/ws"


def new_session() -> str:
    return str(uuid.uuid4())


async def frame(ws: Any, timeout: float = TURN_SECONDS) -> Dict[str, Any]:
    """The next frame, decoded."""
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def hello(ws: Any, session: str, last_seq: int = 0, language: str | None = "ja") -> Dict[str, Any]:
    """Say hello and return the `ready` frame."""
    await ws.send(json.dumps({"type": "hello", "session": session, "last_seq": last_seq, "language": language}))
    ready = await frame(ws)
    assert ready["type"] == "ready", ready
    return ready


async def say(ws: Any, text: Any, message_id: str | None = None) -> str:
    """Send a message frame; returns its id."""
    message_id = message_id or str(uuid.uuid4())
    await ws.send(json.dumps({"type": "message", "id": message_id, "text": text}))
    return message_id


async def until_turn_ends(ws: Any) -> List[Dict[str, Any]]:
    """Every frame up to and including the end of the turn (`typing` inactive)."""
    frames: List[Dict[str, Any]] = []
    while True:
        received = await frame(ws)
        frames.append(received)
        if received == {"type": "typing", "active": False}:
            return frames


def bots(frames: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [received for received in frames if received["type"] == "bot"]


def customs(frames: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [received["message"]["custom"] for received in bots(frames) if "custom" in received["message"]]


async def quiet_for(ws: Any, seconds: float) -> List[Dict[str, Any]]:
    """Frames that arrive within `seconds` (expected: none)."""
    frames: List[Dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
        except asyncio.TimeoutError:
            break
    return frames


def push(servers: Servers, session: str, text: str) -> None:
    """A message from a counselor: a bot event through Rasa's API, delivered by the channel the person used last."""
    reply = servers.api(
        "POST",
        f"/conversations/web:{session}/tracker/events",
        params={"output_channel": "latest", "execute_side_effects": "true"},
        json={"event": "bot", "text": text, "timestamp": time.time()},
    )
    assert reply.status_code == 200, reply.text


def user_texts(servers: Servers, session: str) -> List[str]:
    """What the person said, as Rasa's tracker recorded it."""
    reply = servers.api("GET", f"/conversations/web:{session}/tracker")
    reply.raise_for_status()
    return [event.get("text") for event in reply.json()["events"] if event["event"] == "user"]


# ---- the protocol --------------------------------------------------------------


async def test_a_question_is_acked_then_answered_in_seq_order(soba_servers: Servers) -> None:
    session = new_session()
    async with websockets.connect(socket_url(soba_servers)) as ws:
        ready = await hello(ws, session)
        message_id = await say(ws, QUESTION)
        frames = await until_turn_ends(ws)

    settings = load_settings()
    assert ready["seq"] == 0 and ready["session"] == session
    assert ready["languages"] == [
        {"code": lang.code, "name": lang.name, "payload": choose_language_payload(lang.code)}
        for lang in settings.menu_languages
    ]
    assert frames[0] == {"type": "ack", "id": message_id}
    assert frames[1] == {"type": "typing", "active": True}
    assert customs(frames) == [{"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}]
    assert any("割増賃金" in (bot["message"].get("text") or "") for bot in bots(frames))
    offered = [button["payload"] for bot in bots(frames) for button in bot["message"].get("buttons") or []]
    assert '/faq_details{"topic":"overtime_pay"}' in offered
    assert [bot["seq"] for bot in bots(frames)] == list(range(1, len(bots(frames)) + 1))
    rows = soba_servers.rows(
        "SELECT seq FROM channel_outbox WHERE conversation_id = :s ORDER BY seq", s=f"web:{session}"
    )
    assert [row.seq for row in rows] == [bot["seq"] for bot in bots(frames)]


async def test_a_message_sent_again_is_acked_again_but_runs_one_turn(soba_servers: Servers) -> None:
    session = new_session()
    async with websockets.connect(socket_url(soba_servers)) as ws:
        await hello(ws, session)
        message_id = await say(ws, QUESTION)
        first = await until_turn_ends(ws)
    # The widget did not see the ack (say the network dropped): it sends the same message again.
    async with websockets.connect(socket_url(soba_servers)) as ws:
        await hello(ws, session, last_seq=max(bot["seq"] for bot in bots(first)))
        await say(ws, QUESTION, message_id)
        again = await quiet_for(ws, 5.0)

    assert again == [{"type": "ack", "id": message_id}]
    assert user_texts(soba_servers, session) == [QUESTION]


async def test_hello_resends_exactly_what_comes_after_last_seq(soba_servers: Servers) -> None:
    session = new_session()
    async with websockets.connect(socket_url(soba_servers)) as ws:
        await hello(ws, session)
        await say(ws, QUESTION)
        sent = bots(await until_turn_ends(ws))
    assert len(sent) >= 2

    async with websockets.connect(socket_url(soba_servers)) as ws:
        ready = await hello(ws, session, last_seq=0)
        replay_all = [await frame(ws) for _ in sent]
        assert await quiet_for(ws, 1.0) == []
    async with websockets.connect(socket_url(soba_servers)) as ws:
        await hello(ws, session, last_seq=sent[0]["seq"])
        replay_rest = [await frame(ws) for _ in sent[1:]]
        assert await quiet_for(ws, 1.0) == []

    assert ready["seq"] == sent[-1]["seq"]
    assert replay_all == sent
    assert replay_rest == sent[1:]


async def test_a_push_reaches_the_open_socket_and_a_later_one_waits_for_the_next_connection(
    soba_servers: Servers,
) -> None:
    session = new_session()
    async with websockets.connect(socket_url(soba_servers)) as ws:
        await hello(ws, session)
        await say(ws, QUESTION)
        last_seq = max(bot["seq"] for bot in bots(await until_turn_ends(ws)))
        await asyncio.to_thread(push, soba_servers, session, "相談員です。明日お電話します。")
        live = await frame(ws)
    # The socket is gone without a closing handshake (a dropped network), then a counselor writes.
    ws = await websockets.connect(socket_url(soba_servers))
    await hello(ws, session, last_seq=live["seq"])
    ws.transport.abort()
    await asyncio.sleep(0.5)
    await asyncio.to_thread(push, soba_servers, session, "書類を用意しておいてください。")

    async with websockets.connect(socket_url(soba_servers)) as ws:
        await hello(ws, session, last_seq=live["seq"])
        later = await frame(ws)
        assert await quiet_for(ws, 1.0) == []

    assert live == {"type": "bot", "seq": last_seq + 1, "message": {"text": "相談員です。明日お電話します。"}}
    assert later == {"type": "bot", "seq": last_seq + 2, "message": {"text": "書類を用意しておいてください。"}}


@pytest.mark.parametrize("text", ["", "   ", None, {"sticker": 1}])
async def test_a_message_without_text_gets_no_text(soba_servers: Servers, text: Any) -> None:
    async with websockets.connect(socket_url(soba_servers)) as ws:
        await hello(ws, new_session())
        await say(ws, text)
        frames = await until_turn_ends(ws)

    assert customs(frames) == [{"type": "no_text"}]


async def test_an_oversized_frame_closes_the_socket_unread(soba_servers: Servers) -> None:
    limit = load_settings().channels.max_body_bytes
    session = new_session()
    async with websockets.connect(socket_url(soba_servers), max_size=None) as ws:
        await hello(ws, session)
        oversized = json.dumps({"type": "message", "id": str(uuid.uuid4()), "text": "あ" * (limit // 3 + 10)})
        # The server may close while the frame is still being sent (a busy machine): either way it is refused.
        with pytest.raises(ConnectionClosed) as closed:
            await ws.send(oversized)
            await frame(ws, timeout=10)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    taken = soba_servers.rows("SELECT * FROM channel_inbox WHERE event_key LIKE :s", s=f"{session}/%")
    assert taken == []


async def test_messages_before_hello_and_bad_hellos_are_refused(soba_servers: Servers) -> None:
    async with websockets.connect(socket_url(soba_servers)) as ws:
        await say(ws, QUESTION)
        assert await frame(ws) == {"type": "error", "error": "hello_first"}
        await ws.send("not json")
        assert await frame(ws) == {"type": "error", "error": "bad_frame"}
        # A session id must be a UUID: it can never name a LINE or Telegram conversation.
        await ws.send(json.dumps({"type": "hello", "session": "U" + "0" * 32, "last_seq": 0}))
        assert await frame(ws) == {"type": "error", "error": "bad_hello"}
        with pytest.raises(ConnectionClosed) as closed:
            await frame(ws, timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_static_files_and_the_demo_page_are_served_with_their_headers(soba_servers: Servers) -> None:
    script = requests.get(f"{soba_servers.rasa_url}/widget/widget.js", timeout=10)
    style = requests.get(f"{soba_servers.rasa_url}/widget/widget.css", timeout=10)
    cached = requests.get(
        f"{soba_servers.rasa_url}/widget/widget.js", headers={"If-None-Match": script.headers["ETag"]}, timeout=10
    )
    demo = requests.get(f"{soba_servers.rasa_url}/widget/demo", timeout=10)

    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")
    assert "max-age" in script.headers["Cache-Control"] and cached.status_code == 304
    policy = demo.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "ws://" in policy
    assert demo.text.count("<script") == 1 and 'src="/widget/widget.js"' in demo.text
    assert "style=" not in demo.text and "<style" not in demo.text


# ---- the widget in Chromium -----------------------------------------------------


class Widget:
    """The demo page with the widget, and what the browser reported while it ran."""

    def __init__(self, page: Any, servers: Servers) -> None:
        self.page = page
        self.servers = servers
        self.console: List[str] = []
        self.sockets: List[Any] = []
        self.closed_sockets: List[Any] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("websocket", self._socket_opened)

    def _socket_opened(self, socket: Any) -> None:
        self.sockets.append(socket)
        socket.on("close", lambda _: self.closed_sockets.append(socket))

    def open_demo(self) -> None:
        self.page.goto(f"{self.servers.rasa_url}/widget/demo")
        self.page.locator(".soba-launcher").wait_for()

    def open_panel(self) -> None:
        self.page.locator(".soba-launcher").click()
        self.page.locator(".soba-panel").wait_for(state="visible")

    def ask(self, text: str) -> None:
        self.page.locator(".soba-input").fill(text)
        self.page.locator(".soba-input").press("Enter")

    def bot_texts(self) -> List[str]:
        return self.page.locator(".soba-msg-bot .soba-text").all_inner_texts()

    def user_texts(self) -> List[str]:
        return self.page.locator(".soba-msg-user .soba-text").all_inner_texts()

    def wait_for_bot_count(self, count: int) -> None:
        self.page.locator(".soba-msg-bot").nth(count - 1).wait_for(timeout=TURN_SECONDS * 1000)

    def wait_for_bot_text(self, fragment: str) -> None:
        self.page.locator(".soba-msg-bot .soba-text", has_text=fragment).first.wait_for(timeout=TURN_SECONDS * 1000)

    def state(self) -> Dict[str, Any]:
        """The widget's stored state (session id, last seq, history, unsent queue)."""
        return self.page.evaluate(
            "(key) => JSON.parse(localStorage.getItem(key))", f"soba-widget:{self.servers.rasa_url}"
        )

    def csp_violations(self) -> List[str]:
        return [line for line in self.console if "Content Security Policy" in line or "Refused to" in line]


@pytest.fixture
def widget(browser: Any, soba_servers: Servers) -> Iterator[Widget]:
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(20000)
    view = Widget(page, soba_servers)
    yield view
    assert view.csp_violations() == []
    context.close()


def rest_texts(servers: Servers, *messages: str) -> List[str]:
    """The bot's texts for the same messages through the REST channel (a fresh conversation)."""
    sender = f"widget-ref-{uuid.uuid4()}"
    texts: List[str] = []
    for message in messages:
        texts += [reply["text"] for reply in servers.say(sender, message) if reply.get("text")]
    return texts


def test_a_japanese_question_is_answered_and_the_history_survives_a_reload(
    widget: Widget, soba_servers: Servers
) -> None:
    expected = rest_texts(soba_servers, QUESTION)
    widget.open_demo()
    widget.open_panel()

    widget.ask(QUESTION)
    widget.wait_for_bot_count(len(expected))
    answered = widget.bot_texts()
    announced = widget.page.locator(".soba-panel [aria-live='polite']").text_content()
    # The law is folded: opening 詳しく fetches it into the fold, with no bubble of its own.
    fold = widget.page.locator("details.soba-details")
    assert fold.count() == 1 and fold.locator("summary").inner_text() == "詳しく"
    fold.locator("summary").click()
    fold.locator(".soba-text", has_text="労働基準法第37条").wait_for(timeout=TURN_SECONDS * 1000)
    opened = widget.bot_texts()
    widget.page.reload()
    widget.page.locator(".soba-launcher").wait_for()
    widget.open_panel()
    assert widget.page.locator("details.soba-details").count() == 1
    widget.page.locator("details.soba-details summary").click()  # opened again: shown at once, not asked again
    after_reload = widget.bot_texts()
    ARTIFACTS.mkdir(exist_ok=True)
    widget.page.screenshot(path=str(ARTIFACTS / "widget.png"))

    assert answered == expected and not any("労働基準法第37条" in text for text in answered)
    assert len(opened) == len(answered) + 1 and any("【公務員の方へ】" in text for text in opened)
    assert widget.user_texts() == [QUESTION]
    assert after_reload == opened
    assert widget.page.locator(".soba-msg-bot").count() == len(expected)
    law_link = widget.page.locator(".soba-msg-bot a.soba-link").first
    assert law_link.get_attribute("href").startswith("https://")
    assert law_link.get_attribute("target") == "_blank" and "noopener" in law_link.get_attribute("rel")
    assert widget.page.locator(".soba-msg-bot").last.get_attribute("lang") == "ja"
    # Screen readers: new bot messages are read from a polite live region; every control has a name.
    assert "割増賃金" in announced
    for role, name in [
        ("textbox", "メッセージ"),
        ("combobox", "言語"),
        ("button", "送信"),
        ("button", "回答を検索"),
        ("button", "チャットを閉じる"),
    ]:
        assert widget.page.get_by_role(role, name=name, exact=True).count() == 1, (role, name)
    assert widget.page.get_by_role("dialog", name="Soba").count() == 1


def test_offline_push_and_offline_message_arrive_once_after_reconnecting(widget: Widget, soba_servers: Servers) -> None:
    widget.open_demo()
    widget.open_panel()
    widget.ask(QUESTION)
    widget.wait_for_bot_text("割増賃金")
    session = widget.state()["session"]
    sockets_before = len(widget.sockets)
    counselor = f"相談員より：来週の面談の件です（{uuid.uuid4().hex[:6]}）"

    widget.page.context.set_offline(True)
    widget.page.locator(".soba-status", has_text="オフライン").wait_for()
    # The drop really happened: the browser saw the socket close.
    deadline = time.monotonic() + 10
    while len(widget.closed_sockets) < sockets_before and time.monotonic() < deadline:
        widget.page.wait_for_timeout(200)
    assert len(widget.closed_sockets) == sockets_before
    push(soba_servers, session, counselor)
    widget.ask("ありがとうございます")
    widget.page.wait_for_timeout(3000)
    shown_offline = widget.bot_texts()
    pending_offline = widget.page.locator(".soba-msg-user.soba-pending").count()

    widget.page.context.set_offline(False)
    widget.wait_for_bot_text(counselor)
    widget.page.locator(".soba-msg-user.soba-pending").first.wait_for(state="detached")
    widget.wait_for_bot_count(len(shown_offline) + 2)
    widget.page.wait_for_timeout(3000)  # anything shown twice would show by now

    assert counselor not in shown_offline and pending_offline == 1
    assert widget.bot_texts().count(counselor) == 1
    assert user_texts(soba_servers, session) == [QUESTION, "ありがとうございます"]
    assert len(widget.sockets) > sockets_before
    assert widget.state()["queue"] == []
    seqs = [entry["seq"] for entry in widget.state()["history"] if entry["kind"] == "bot"]
    assert seqs == sorted(set(seqs))


def test_a_live_push_renders_furigana_links_and_nothing_else_as_markup(widget: Widget, soba_servers: Servers) -> None:
    widget.open_demo()
    widget.open_panel()
    widget.ask(QUESTION)
    widget.wait_for_bot_text("割増賃金")
    session = widget.state()["session"]

    push(
        soba_servers,
        session,
        "<ruby>残業<rt>ざんぎょう</rt></ruby>の<b>記録</b>を https://www.mhlw.go.jp/ で"
        "<ruby>確認<rt>かくにん</rt><rt>x</rt></ruby>",
    )
    widget.wait_for_bot_text("の<b>記録</b>を")
    last = widget.page.locator(".soba-msg-bot .soba-text").last

    assert last.locator("ruby").count() == 1 and last.locator("ruby rt").inner_text() == "ざんぎょう"
    assert last.locator("b").count() == 0
    assert "<ruby>確認<rt>かくにん</rt><rt>x</rt></ruby>" in last.inner_text()
    link = last.locator("a")
    assert link.get_attribute("href") == "https://www.mhlw.go.jp/"
    assert link.get_attribute("rel") == "noopener noreferrer" and link.get_attribute("target") == "_blank"


def test_keyboard_only(widget: Widget) -> None:
    widget.open_demo()
    page = widget.page
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.shadowRoot?.activeElement?.className") == "soba-launcher":
            break
    else:
        pytest.fail("Tab never reached the chat button")
    page.keyboard.press("Enter")
    focused = "() => document.activeElement.shadowRoot.activeElement?.className || ''"
    assert page.evaluate(focused) == "soba-input"

    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    widget.wait_for_bot_text("割増賃金")
    widget.page.locator(".soba-choice").first.wait_for()
    # Shift+Tab from the message box reaches the last reply button (👎 / a topic).
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused) == "soba-choice"
    choice = page.evaluate("() => document.activeElement.shadowRoot.activeElement.textContent")
    bots_before = page.locator(".soba-msg-bot").count()
    page.keyboard.press("Enter")
    widget.wait_for_bot_count(bots_before + 1)
    page.keyboard.press("Escape")

    assert widget.user_texts() == [QUESTION, choice]
    assert page.locator(".soba-panel").is_hidden()
    assert page.evaluate(focused) == "soba-launcher"
    assert page.locator(".soba-launcher").get_attribute("aria-expanded") == "false"


def test_html_typed_by_the_user_is_shown_as_text_and_never_runs(widget: Widget) -> None:
    attack = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    widget.open_demo()
    widget.open_panel()

    widget.ask(attack)
    widget.wait_for_bot_count(1)
    widget.page.reload()
    widget.open_panel()

    assert widget.user_texts() == [attack]
    assert widget.page.evaluate("() => window.__pwned") is None
    shadow_images = "() => document.getElementById('soba-widget').shadowRoot.querySelectorAll('img, script').length"
    assert widget.page.evaluate(shadow_images) == 0


def test_a_clarify_question_shows_its_topics_as_buttons_and_a_click_answers(
    widget: Widget, soba_servers: Servers
) -> None:
    text, expected = first_decided(soba_servers, AMBIGUOUS, Outcome.CLARIFY)
    reference = soba_servers.say(f"widget-ref-{uuid.uuid4()}", text)
    buttons = [button for message in reference for button in message.get("buttons") or []]
    answer = rest_texts(soba_servers, text, buttons[0]["payload"])[len([m for m in reference if m.get("text")]) :]
    widget.open_demo()
    widget.open_panel()

    widget.ask(text)
    widget.page.locator(".soba-choice").first.wait_for()
    shown = widget.page.locator(".soba-choice").all_inner_texts()
    bots_before = widget.page.locator(".soba-msg-bot").count()
    widget.page.locator(".soba-choice").first.click()
    widget.wait_for_bot_count(bots_before + len(answer))

    assert shown == [button["title"] for button in buttons]
    assert len(shown) == len(expected.topics) + 1
    assert widget.user_texts() == [text, buttons[0]["title"]]
    assert widget.bot_texts()[-len(answer) :] == answer
    assert widget.page.locator(".soba-choice[aria-pressed='true']").count() == 1


def test_the_language_selector_switches_the_conversation(widget: Widget, soba_servers: Servers) -> None:
    widget.open_demo()
    widget.open_panel()
    widget.ask(QUESTION)
    widget.wait_for_bot_text("割増賃金")

    widget.page.locator(".soba-language").select_option("en")
    widget.wait_for_bot_text(get_texts().get("en", "language_set"))
    widget.ask("My boss doesn't pay me for overtime")
    widget.wait_for_bot_text("must be paid extra")

    assert widget.user_texts()[1] == "English"
    assert widget.page.locator(".soba-msg-bot").last.get_attribute("lang") == "en"
    assert widget.page.locator(".soba-send").inner_text() == "Send"


def test_search_answers_shows_results_or_says_it_is_unavailable(widget: Widget) -> None:
    widget.open_demo()
    widget.open_panel()
    widget.page.locator(".soba-icon-button[aria-controls='soba-search']").click()
    widget.page.locator(".soba-search-input").fill("残業代")
    widget.page.locator(".soba-search-input").press("Enter")
    widget.page.locator(".soba-search-status").filter(has_text="。").wait_for()

    results = widget.page.locator(".soba-search-result a")
    status = widget.page.locator(".soba-search-status").inner_text()
    if results.count():
        assert all(link.get_attribute("target") == "_blank" for link in results.all())
    else:
        assert "検索は今は使えません" in status or "見つかりませんでした" in status


def test_on_a_phone_the_open_panel_fills_the_screen(browser: Any, soba_servers: Servers) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 760}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{soba_servers.rasa_url}/widget/demo")
        page.locator(".soba-launcher").click()
        box = page.locator(".soba-panel").bounding_box()
    finally:
        context.close()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 760}


def test_a_counselor_reply_from_the_console_reaches_the_widget_and_closing_resumes_the_bot(
    widget: Widget, soba_servers: Servers
) -> None:
    from bot.db import session_factory
    from bot.handoff.conversation import RasaConversations, close_ticket, send_reply
    from bot.handoff.models import Ticket

    widget.open_demo()
    widget.open_panel()
    widget.ask("人の相談員と話したいです")
    widget.wait_for_bot_text("受付番号")
    session = widget.state()["session"]
    [row] = soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"web:{session}")
    rasa = RasaConversations(soba_servers.rasa_url, soba_servers.token)

    with session_factory(soba_servers.database_url)() as db:
        ticket = db.get(Ticket, row.id)
        started = time.monotonic()
        send_reply(db, rasa, ticket, "tanaka", "相談員の田中です。お話を聞かせてください。")
        widget.wait_for_bot_text("相談員の田中です")
        assert time.monotonic() - started < 2.0
        close_ticket(db, rasa, ticket, "tanaka")
    widget.wait_for_bot_text(get_texts().get("ja", "ticket_closed"))

    widget.ask(QUESTION)
    widget.wait_for_bot_text("割増賃金")
