// The ticket page's live transcript: every 2 s, ask for the lines after the
// last one shown (the server's cursor, from data-after, then from each answer)
// and append them. A full page means more are waiting: ask again at once. If
// the server now reads another source (the ticket's copy, then Rasa's record),
// it says "reset" and the list is redrawn from its answer. Text is set with
// textContent only, never as HTML.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var list = document.getElementById("transcript");
  if (!list) {
    return;
  }
  var box = document.getElementById("transcript-box");
  var statusField = document.getElementById("ticket-status");
  var warning = document.getElementById("transcript-warning");
  var url = list.getAttribute("data-url");
  var after = list.getAttribute("data-after") || "0";
  var source = list.getAttribute("data-source") || "";

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function lineItem(line) {
    var item = document.createElement("li");
    item.className = "line line-" + line.role;
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.appendChild(span("author", line.author));
    meta.appendChild(document.createTextNode(" "));
    var time = document.createElement("time");
    time.textContent = line.at;
    meta.appendChild(time);
    if (line.language_note) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(span("badge language", line.language_note));
    }
    if (line.topic_note) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(span("badge topic-guess", line.topic_note));
    }
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = line.text;
    item.appendChild(meta);
    item.appendChild(text);
    return item;
  }

  function show(lines, reset) {
    if (!reset && lines.length === 0) {
      return;
    }
    var atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
    var fragment = document.createDocumentFragment();
    lines.forEach(function (line) {
      fragment.appendChild(lineItem(line));
    });
    if (reset) {
      list.replaceChildren(fragment);
    } else {
      list.appendChild(fragment);
    }
    if (atBottom) {
      box.scrollTop = box.scrollHeight;
    }
  }

  function poll() {
    var wait = POLL_MS;
    var query = "?after=" + encodeURIComponent(after) + "&source=" + encodeURIComponent(source);
    fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        show(data.lines, data.reset);
        after = String(data.after);
        source = data.source;
        statusField.textContent = data.status;
        warning.hidden = data.source !== "ticket";
        if (data.more) {
          wait = 0;
        }
      })
      .catch(function () {
        // The network dropped; the next poll tries again.
      })
      .then(function () {
        window.setTimeout(poll, wait);
      });
  }

  box.scrollTop = box.scrollHeight;
  window.setTimeout(poll, POLL_MS);
})();
