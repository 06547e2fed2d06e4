/*
 * Soba web chat widget. Embed with one tag, no build step:
 *
 *   <script src="https://soba.example.org/widget/widget.js" data-server="https://soba.example.org"
 *           data-language="ja" data-title="Soba" defer></script>
 *
 * data-server  where Soba runs (default: where this script came from)
 * data-language  the language to start in (default: the page's lang, else ja)
 * data-title  the panel's title (default: Soba)
 *
 * It talks to Soba over one WebSocket (protocol: bot/channels/web.py). The
 * conversation survives reloads and network drops: the session id, the
 * history, the last bot message seen (`seq`) and the messages not yet acked
 * live in localStorage; after every reconnect the widget says which `seq` it
 * saw last and re-sends what was not acked, so nothing is lost or shown twice.
 *
 * Works under a strict Content-Security-Policy: no inline script or style,
 * no eval, and no HTML built from text — every message is DOM nodes and
 * textContent; the only markup taken from bot text is <ruby>…<rt>…</rt></ruby>.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || document.getElementById("soba-widget")) {
    return;
  }
  const server = (script.dataset.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const socketUrl = server.replace(/^http/, "ws") + "/widget/ws";
  const title = script.dataset.title || "Soba";
  const startLanguage = (script.dataset.language || document.documentElement.lang || "ja").split("-")[0];
  const storageKey = "soba-widget:" + server;
  const HISTORY_LIMIT = 200;
  const MAX_BACKOFF_MS = 30000;

  // The widget's own words (the bot's words come from the server).
  const UI = {
    ja: {
      open: "相談チャットを開く",
      unread: "新しいメッセージがあります",
      close: "チャットを閉じる",
      conversation: "会話",
      input: "メッセージ",
      placeholder: "質問を書いてください（Enterで送信、Shift+Enterで改行）",
      send: "送信",
      language: "言語",
      searchToggle: "回答を検索",
      search: "キーワードで回答を検索",
      searchButton: "検索",
      searchNone: "見つかりませんでした。",
      searchFound: "件見つかりました。",
      searchUnavailable: "検索は今は使えません。チャットで質問してください。",
      connecting: "接続しています…",
      offline: "オフラインです。つながったら送信します。",
      typing: "Soba が入力中…",
      pending: "送信待ち",
      you: "あなた：",
      bot: "Soba：",
      replies: "返信の選択肢",
    },
    en: {
      open: "Open the chat",
      unread: "new message",
      close: "Close the chat",
      conversation: "Conversation",
      input: "Message",
      placeholder: "Type your question (Enter sends, Shift+Enter for a new line)",
      send: "Send",
      language: "Language",
      searchToggle: "Search answers",
      search: "Search answers by keyword",
      searchButton: "Search",
      searchNone: "Nothing found.",
      searchFound: "results found.",
      searchUnavailable: "Search is not available right now. Please ask in the chat.",
      connecting: "Connecting…",
      offline: "Offline. Your messages will be sent when you are back online.",
      typing: "Soba is typing…",
      pending: "not sent yet",
      you: "You: ",
      bot: "Soba: ",
      replies: "Replies",
    },
  };

  // ---- state kept in localStorage ----------------------------------------

  function uuid4() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function freshState() {
    return { session: uuid4(), lastSeq: 0, language: startLanguage, history: [], queue: [] };
  }

  let memoryState = null; // used when localStorage is unavailable (private mode, blocked)

  function load() {
    try {
      const raw = localStorage.getItem(storageKey);
      const state = raw ? JSON.parse(raw) : null;
      if (state && typeof state.session === "string" && Array.isArray(state.history) && Array.isArray(state.queue)) {
        return state;
      }
    } catch (error) {
      // fall through to memory
    }
    if (!memoryState) {
      memoryState = freshState();
    }
    return memoryState;
  }

  function save(state) {
    state.history = state.history.slice(-HISTORY_LIMIT);
    memoryState = state;
    try {
      localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      // storage full or blocked: the conversation still works for this page view
    }
  }

  // Read, change, write: another tab of the same site may have written meanwhile.
  function mutate(change) {
    const state = load();
    change(state);
    save(state);
    return state;
  }

  let state = load();
  save(state);

  // Every language's words come from the server (texts/<code>.yml, `widget`) in the
  // `ready` frame; the built-in Japanese and English serve until it arrives.
  let serverWords = {};

  function words() {
    return serverWords[state.language] || UI[state.language] || serverWords[startLanguage] || UI[startLanguage] || UI.en;
  }

  // ---- DOM helpers ---------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  const RUBY = /<ruby>([^<>]+)<rt>([^<>]+)<\/rt><\/ruby>/g;
  const HTTPS_URL = /https:\/\/[^\s<>"'`（）「」『』、。]+/g;
  const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;
  const LABEL = /^[^:：\s][^:：]{0,15}?[:：]/;

  // Text with https links as links; everything else stays text.
  function appendLinked(parent, text) {
    let last = 0;
    for (const match of text.matchAll(HTTPS_URL)) {
      let url = match[0];
      const trailing = (url.match(TRAILING_PUNCTUATION) || [""])[0];
      url = url.slice(0, url.length - trailing.length);
      parent.append(text.slice(last, match.index));
      let link = null;
      try {
        if (new URL(url).protocol === "https:") {
          link = el("a", "soba-link", url);
          link.href = url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
        }
      } catch (error) {
        link = null;
      }
      parent.append(link || url);
      last = match.index + url.length;
    }
    parent.append(text.slice(last));
  }

  // Only the exact <ruby>base<rt>reading</rt></ruby> structure becomes ruby; any other markup is shown as text.
  function appendInline(parent, text) {
    let last = 0;
    for (const match of text.matchAll(RUBY)) {
      appendLinked(parent, text.slice(last, match.index));
      const ruby = el("ruby");
      ruby.append(match[1]);
      ruby.append(el("rt", "", match[2]));
      parent.append(ruby);
      last = match.index + match[0].length;
    }
    appendLinked(parent, text.slice(last));
  }

  // One line per line; a short "Law:" / "根拠法：" style label is set off so references read clearly.
  function appendFormatted(parent, text) {
    text.split("\n").forEach((line, index) => {
      if (index > 0) {
        parent.append(el("br"));
      }
      const label = LABEL.exec(line);
      if (label && !label[0].includes("http")) {
        parent.append(el("strong", "soba-label", label[0]));
        line = line.slice(label[0].length);
      }
      appendInline(parent, line);
    });
  }

  // Icons as inline SVG built node by node: no icon font, no emoji font needed on the device.
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    search: "M10 3a7 7 0 1 1 0 14a7 7 0 0 1 0-14zm0 2a5 5 0 1 0 0 10a5 5 0 0 0 0-10zm5.3 10.9l1.4-1.4l5 5l-1.4 1.4z",
    close: "M5.6 4.2L12 10.6l6.4-6.4l1.4 1.4L13.4 12l6.4 6.4l-1.4 1.4L12 13.4l-6.4 6.4l-1.4-1.4L10.6 12L4.2 5.6z",
  };

  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.classList.add("soba-icon");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function guessLanguage(text) {
    if (/[\u3040-\u30ff]/.test(text)) {
      return "ja";
    }
    return state.language;
  }

  // The HTML lang of a conversation language: やさしい日本語 is Japanese to a screen reader.
  function htmlLang(code) {
    return code === "ja-easy" ? "ja" : code;
  }

  // ---- the widget's DOM ----------------------------------------------------

  const host = el("div");
  host.id = "soba-widget";
  const root = host.attachShadow({ mode: "open" });
  const stylesheet = el("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = server + "/widget/widget.css";
  root.append(stylesheet);

  const launcher = el("button", "soba-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "soba-panel");
  const launcherIcon = icon("chat");
  const launcherText = el("span", "soba-launcher-text", title);
  const unreadDot = el("span", "soba-unread");
  unreadDot.hidden = true;
  launcher.append(launcherIcon, launcherText, unreadDot);

  const panel = el("section", "soba-panel");
  panel.id = "soba-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "soba-title");

  const header = el("header", "soba-header");
  const heading = el("h2", "soba-title", title);
  heading.id = "soba-title";
  const languageLabel = el("label", "soba-sr");
  languageLabel.htmlFor = "soba-language";
  const languageSelect = el("select", "soba-language");
  languageSelect.id = "soba-language";
  const searchToggle = el("button", "soba-icon-button");
  searchToggle.type = "button";
  searchToggle.setAttribute("aria-expanded", "false");
  searchToggle.setAttribute("aria-controls", "soba-search");
  searchToggle.append(icon("search"));
  const closeButton = el("button", "soba-icon-button");
  closeButton.type = "button";
  closeButton.append(icon("close"));
  header.append(heading, languageLabel, languageSelect, searchToggle, closeButton);

  const searchForm = el("form", "soba-search");
  searchForm.id = "soba-search";
  searchForm.hidden = true;
  searchForm.setAttribute("role", "search");
  const searchLabel = el("label", "soba-sr");
  searchLabel.htmlFor = "soba-search-input";
  const searchInput = el("input", "soba-search-input");
  searchInput.id = "soba-search-input";
  searchInput.type = "search";
  searchInput.autocomplete = "off";
  const searchButton = el("button", "soba-button");
  searchButton.type = "submit";
  const searchStatus = el("p", "soba-search-status");
  searchStatus.setAttribute("role", "status");
  const searchResults = el("ul", "soba-search-results");
  searchForm.append(searchLabel, searchInput, searchButton, searchStatus, searchResults);

  const status = el("p", "soba-status");
  status.setAttribute("role", "status");

  const log = el("div", "soba-log");
  log.setAttribute("role", "region");
  log.tabIndex = 0;

  const typing = el("p", "soba-typing");
  typing.hidden = true;
  typing.append(el("span", "soba-dots"));
  const typingText = el("span", "soba-typing-text");
  typing.append(typingText);

  // New bot messages are read out from here (the transcript itself stays quiet,
  // so the person's own messages and replayed history are not announced).
  const announcer = el("div", "soba-sr");
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("aria-atomic", "false");

  const composer = el("form", "soba-composer");
  const inputLabel = el("label", "soba-sr");
  inputLabel.htmlFor = "soba-input";
  const input = el("textarea", "soba-input");
  input.id = "soba-input";
  input.rows = 2;
  const sendButton = el("button", "soba-button soba-send");
  sendButton.type = "submit";
  composer.append(inputLabel, input, sendButton);

  panel.append(header, searchForm, status, log, typing, announcer, composer);
  root.append(launcher, panel);

  function applyWords() {
    const w = words();
    launcher.setAttribute("aria-label", unreadDot.hidden ? w.open : `${w.open} (${w.unread})`);
    languageLabel.textContent = w.language;
    searchToggle.setAttribute("aria-label", w.searchToggle);
    searchToggle.title = w.searchToggle;
    closeButton.setAttribute("aria-label", w.close);
    closeButton.title = w.close;
    searchLabel.textContent = w.search;
    searchInput.placeholder = w.search;
    searchButton.textContent = w.searchButton;
    log.setAttribute("aria-label", w.conversation);
    typingText.textContent = w.typing;
    inputLabel.textContent = w.input;
    input.placeholder = w.placeholder;
    sendButton.textContent = w.send;
    panel.lang = htmlLang(state.language);
    for (const badge of log.querySelectorAll(".soba-pending-badge")) {
      badge.textContent = w.pending;
    }
    showStatus(connectionStatus);
  }

  let languages = [];

  function renderLanguages() {
    languageSelect.replaceChildren();
    const known = languages.length ? languages : [{ code: state.language, name: state.language }];
    for (const language of known) {
      const option = el("option", "", language.name);
      option.value = language.code;
      option.lang = htmlLang(language.code);
      languageSelect.append(option);
    }
    languageSelect.value = state.language;
  }

  // ---- rendering messages --------------------------------------------------

  const shownSeqs = new Set();
  let lastShownSeq = 0;
  let turnNodes = []; // bot message nodes since the person last wrote, for their `lang`

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderUser(entry) {
    const node = el("div", "soba-msg soba-msg-user");
    node.dataset.id = entry.id;
    node.lang = htmlLang(entry.lang || state.language);
    node.append(el("span", "soba-sr", words().you));
    const text = el("p", "soba-text");
    text.append(entry.shown);
    node.append(text);
    if (entry.pending) {
      node.classList.add("soba-pending");
      node.append(el("span", "soba-pending-badge", words().pending));
    }
    log.append(node);
    scrollToEnd();
    return node;
  }

  // `live`: a message arriving now (announced, may change the language); else history being redrawn.
  function renderBot(entry, live) {
    const message = entry.message || {};
    if (live && message.custom && typeof message.custom.language === "string") {
      adoptLanguage(message.custom.language, entry.seq);
    }
    const buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (typeof message.text !== "string" && !buttons.length) {
      return null; // the turn's decision record, nothing to show
    }
    const node = el("div", "soba-msg soba-msg-bot");
    node.dataset.seq = String(entry.seq);
    node.lang = htmlLang(entry.lang || state.language);
    node.append(el("span", "soba-sr", words().bot));
    if (typeof message.text === "string") {
      const text = el("p", "soba-text");
      appendFormatted(text, message.text);
      node.append(text);
    }
    for (const button of buttons.filter(isDetailsButton)) {
      node.append(detailsFold(entry.seq, button));
    }
    const choices = buttons.filter((b) => b && typeof b.payload === "string" && !isDetailsButton(b));
    if (choices.length) {
      const group = el("div", "soba-buttons");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", words().replies);
      choices.forEach((button) => {
        if (typeof button.title !== "string") {
          return;
        }
        const index = buttons.indexOf(button);
        const choice = el("button", "soba-choice");
        choice.type = "button";
        appendInline(choice, button.title);
        if (entry.chosen !== undefined && entry.chosen !== null) {
          choice.disabled = true;
          choice.setAttribute("aria-pressed", String(entry.chosen === index));
        }
        choice.addEventListener("click", () => choose(entry.seq, index, button, choice));
        group.append(choice);
      });
      node.append(group);
    }
    log.append(node);
    turnNodes.push(node);
    if (live) {
      const spoken = el("p", "", node.textContent);
      spoken.lang = node.lang;
      announcer.append(spoken);
      while (announcer.childElementCount > 3) {
        announcer.firstElementChild.remove();
      }
    }
    scrollToEnd();
    return node;
  }

  // An answer's "Details" button becomes a <details> fold: opening it asks for the
  // details (without a bubble of its own) and the reply is put inside the fold.
  const DETAILS_PAYLOAD = "/faq_details";
  let awaitingDetails = null; // the fold whose text is on its way: { seq, body }

  function isDetailsButton(button) {
    return !!button && typeof button.payload === "string" && button.payload.startsWith(DETAILS_PAYLOAD);
  }

  function detailsFold(seq, button) {
    const fold = el("details", "soba-details");
    fold.dataset.seq = String(seq);
    const summary = el("summary", "soba-details-summary");
    appendInline(summary, typeof button.title === "string" ? button.title : "");
    const body = el("div", "soba-details-body");
    fold.append(summary, body);
    fold.addEventListener("toggle", () => {
      if (!fold.open || fold.dataset.requested) {
        return;
      }
      fold.dataset.requested = "true";
      body.append(el("p", "soba-text soba-details-loading", words().typing));
      awaitingDetails = { seq, body };
      sendQuietly(button.payload);
    });
    return fold;
  }

  function fillDetails(body, message) {
    const text = el("p", "soba-text");
    appendFormatted(text, message.text);
    body.replaceChildren(text);
  }

  // The bot said which language the turn is in: label the turn's messages and follow it.
  function adoptLanguage(code, seq) {
    for (const node of turnNodes) {
      node.lang = htmlLang(code);
    }
    mutate((s) => {
      for (let i = s.history.length - 1; i >= 0 && s.history[i].kind === "bot"; i--) {
        s.history[i].lang = code;
      }
      if (seq > (s.languageSeq || 0)) {
        s.language = code;
        s.languageSeq = seq;
      }
    });
    state = load();
    if (languageSelect.value !== state.language) {
      languageSelect.value = state.language;
    }
    applyWords();
  }

  function showBot(seq, message, announce) {
    if (shownSeqs.has(seq)) {
      return;
    }
    shownSeqs.add(seq);
    lastShownSeq = Math.max(lastShownSeq, seq);
    const buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (awaitingDetails && typeof message.text === "string" && !buttons.length) {
      const fold = awaitingDetails;
      awaitingDetails = null;
      state = mutate((s) => {
        s.history.push({ kind: "bot", seq, message, lang: s.language, detailsOf: fold.seq });
        s.lastSeq = Math.max(s.lastSeq || 0, seq);
      });
      fillDetails(fold.body, message);
      return;
    }
    state = mutate((s) => {
      if (!s.history.some((h) => h.kind === "bot" && h.seq === seq)) {
        s.history.push({ kind: "bot", seq, message, lang: s.language });
      }
      s.lastSeq = Math.max(s.lastSeq || 0, seq);
    });
    renderBot({ seq, message, lang: state.language }, announce);
    if (panel.hidden && announce) {
      unreadDot.hidden = false;
      applyWords();
    }
  }

  function foldOf(seq) {
    return [...log.querySelectorAll("details.soba-details")].find((fold) => fold.dataset.seq === String(seq)) || null;
  }

  function renderHistory() {
    for (const entry of state.history) {
      if (entry.kind === "user") {
        turnNodes = [];
        renderUser(entry);
      } else if (entry.kind === "bot" && typeof entry.seq === "number") {
        shownSeqs.add(entry.seq);
        lastShownSeq = Math.max(lastShownSeq, entry.seq);
        const fold = typeof entry.detailsOf === "number" ? foldOf(entry.detailsOf) : null;
        if (fold) {
          fold.dataset.requested = "true";
          fillDetails(fold.querySelector(".soba-details-body"), entry.message || {});
        } else {
          renderBot(entry, false);
        }
      }
    }
    turnNodes = [];
  }

  // ---- sending -------------------------------------------------------------

  function send(text, shown) {
    const entry = { id: uuid4(), text, language: state.language };
    state = mutate((s) => {
      s.queue.push(entry);
      s.history.push({ kind: "user", id: entry.id, shown, lang: guessLanguage(shown), pending: true });
    });
    turnNodes = [];
    renderUser({ id: entry.id, shown, lang: guessLanguage(shown), pending: true });
    if (ready) {
      transmit(entry);
    } else {
      connect();
    }
  }

  // A message the person did not type (opening a fold): queued and acknowledged like any other.
  function sendQuietly(text) {
    const entry = { id: uuid4(), text, language: state.language };
    state = mutate((s) => {
      s.queue.push(entry);
    });
    if (ready) {
      transmit(entry);
    } else {
      connect();
    }
  }

  function transmit(entry) {
    socket.send(JSON.stringify({ type: "message", id: entry.id, text: entry.text, language: entry.language }));
  }

  const MAX_RETRY_SECONDS = 300;

  function retryLater(id, seconds) {
    const wait = Math.min(MAX_RETRY_SECONDS, Math.max(0.5, seconds)) * 1000;
    setTimeout(() => {
      const entry = state.queue.find((q) => q.id === id);
      if (entry && ready && socket) {
        transmit(entry);
      }
    }, wait);
  }

  function acked(id) {
    state = mutate((s) => {
      s.queue = s.queue.filter((q) => q.id !== id);
      for (const h of s.history) {
        if (h.kind === "user" && h.id === id) {
          h.pending = false;
        }
      }
    });
    for (const node of log.querySelectorAll(".soba-msg-user.soba-pending")) {
      if (node.dataset.id === id) {
        node.classList.remove("soba-pending");
        const badge = node.querySelector(".soba-pending-badge");
        if (badge) {
          badge.remove();
        }
      }
    }
  }

  function choose(seq, index, button, clicked) {
    for (const choice of clicked.parentElement.querySelectorAll("button")) {
      choice.disabled = true;
      choice.setAttribute("aria-pressed", String(choice === clicked));
    }
    state = mutate((s) => {
      for (const h of s.history) {
        if (h.kind === "bot" && h.seq === seq) {
          h.chosen = index;
        }
      }
    });
    send(button.payload, button.title.replace(RUBY, "$1"));
    input.focus();
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      return;
    }
    input.value = "";
    send(text, text);
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME conversion is not a send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  languageSelect.addEventListener("change", () => {
    const chosen = languages.find((language) => language.code === languageSelect.value);
    if (!chosen) {
      return;
    }
    state = mutate((s) => {
      s.language = chosen.code;
    });
    applyWords();
    send(chosen.payload, chosen.name);
  });

  // ---- the connection ------------------------------------------------------

  let socket = null;
  let ready = false;
  let attempt = 0;
  let reconnectTimer = null;
  let connectionStatus = "";

  function showStatus(kind) {
    connectionStatus = kind;
    status.textContent = kind ? words()[kind] : "";
    status.hidden = !kind;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (socket) {
      return;
    }
    let ws;
    try {
      ws = new WebSocket(socketUrl);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ready = false;
    showStatus(navigator.onLine === false ? "offline" : "connecting");
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ type: "hello", session: state.session, last_seq: lastShownSeq, language: state.language }));
    });
    ws.addEventListener("message", (event) => {
      if (ws === socket) {
        receive(event.data);
      }
    });
    ws.addEventListener("close", () => {
      if (ws === socket) {
        dropped();
      }
    });
  }

  function dropped() {
    socket = null;
    ready = false;
    typing.hidden = true;
    showStatus("offline");
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (reconnectTimer) {
      return;
    }
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    reconnectTimer = setTimeout(connect, delay);
  }

  function receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (error) {
      return;
    }
    if (!frame || typeof frame !== "object") {
      return;
    }
    if (frame.type === "ready") {
      if (typeof frame.seq === "number" && frame.seq < lastShownSeq) {
        // The server has fewer messages than this page has shown (its database
        // was reset): forget the old numbering and start again from there.
        state = mutate((s) => {
          for (const h of s.history) {
            if (h.kind === "bot") {
              h.seq = null;
            }
          }
          s.lastSeq = frame.seq;
        });
        shownSeqs.clear();
        lastShownSeq = frame.seq;
        socket.send(JSON.stringify({ type: "hello", session: state.session, last_seq: lastShownSeq, language: state.language }));
        return;
      }
      ready = true;
      attempt = 0;
      showStatus("");
      if (frame.words && typeof frame.words === "object") {
        serverWords = frame.words;
        applyWords();
      }
      if (Array.isArray(frame.languages)) {
        languages = frame.languages.filter((l) => l && typeof l.code === "string" && typeof l.payload === "string");
        renderLanguages();
      }
      state = load();
      for (const entry of state.queue) {
        transmit(entry);
      }
    } else if (frame.type === "ack" && typeof frame.id === "string") {
      acked(frame.id);
    } else if (frame.type === "retry" && typeof frame.id === "string") {
      // Not taken (too fast, or the service is down): it stays queued and goes again later.
      retryLater(frame.id, typeof frame.after === "number" ? frame.after : 5);
      if (typeof frame.notice === "string" && frame.notice) {
        status.textContent = frame.notice;
        status.hidden = false;
      }
    } else if (frame.type === "typing") {
      typing.hidden = frame.active === false;
      scrollToEnd();
    } else if (frame.type === "bot" && typeof frame.seq === "number" && frame.message) {
      showBot(frame.seq, frame.message, true);
    }
  }

  window.addEventListener("online", () => {
    attempt = 0;
    connect();
  });
  window.addEventListener("offline", () => {
    // The browser knows the network is gone: stop trusting the socket now
    // rather than after a long TCP timeout, and retry with backoff.
    const ws = socket;
    if (ws) {
      socket = null;
      ws.close();
      dropped();
    } else {
      showStatus("offline");
    }
  });

  // ---- opening, closing, keyboard ------------------------------------------

  function openPanel() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    host.classList.add("soba-open");
    unreadDot.hidden = true;
    applyWords();
    connect();
    scrollToEnd();
    input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    host.classList.remove("soba-open");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? openPanel() : closePanel()));
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel();
    }
  });

  // ---- search answers --------------------------------------------------------

  searchToggle.addEventListener("click", () => {
    searchForm.hidden = !searchForm.hidden;
    searchToggle.setAttribute("aria-expanded", String(!searchForm.hidden));
    if (!searchForm.hidden) {
      searchInput.focus();
    }
  });

  function resultLink(url) {
    try {
      const resolved = new URL(url, server + "/");
      return resolved.protocol === "https:" || resolved.protocol === "http:" ? resolved.href : null;
    } catch (error) {
      return null;
    }
  }

  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = searchInput.value.trim();
    searchResults.replaceChildren();
    if (!query) {
      return;
    }
    const url = `${server}/faq/api/search?q=${encodeURIComponent(query)}&lang=${encodeURIComponent(state.language)}`;
    let results = null;
    try {
      const reply = await fetch(url, { headers: { Accept: "application/json" } });
      if (reply.ok) {
        const body = await reply.json();
        results = Array.isArray(body.results) ? body.results : null;
      }
    } catch (error) {
      results = null;
    }
    if (results === null) {
      searchStatus.textContent = words().searchUnavailable;
      return;
    }
    searchStatus.textContent = results.length ? `${results.length} ${words().searchFound}` : words().searchNone;
    for (const result of results) {
      const href = result && typeof result.url === "string" ? resultLink(result.url) : null;
      if (!href || typeof result.title !== "string") {
        continue;
      }
      const item = el("li", "soba-search-result");
      const link = el("a", "soba-link");
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      appendInline(link, result.title);
      item.append(link);
      if (typeof result.snippet === "string" && result.snippet) {
        const snippet = el("p", "soba-snippet");
        appendInline(snippet, result.snippet);
        item.append(snippet);
      }
      searchResults.append(item);
    }
  });

  // ---- start -----------------------------------------------------------------

  renderLanguages();
  renderHistory();
  applyWords();
  document.body.append(host);
  // A conversation already under way reconnects at once, so replies that came
  // while the page was closed show up; a new visitor connects on first open.
  if (state.history.length || state.queue.length) {
    connect();
  }
})();
