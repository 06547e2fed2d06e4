// The ticket page's live transcript: poll the JSON every 2 s and redraw the
// list when it changed. Text is set with textContent only, never as HTML.
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
  var shown = null;

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

  function redraw(lines) {
    var atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
    var fragment = document.createDocumentFragment();
    lines.forEach(function (line) {
      fragment.appendChild(lineItem(line));
    });
    list.replaceChildren(fragment);
    if (atBottom) {
      box.scrollTop = box.scrollHeight;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        var signature = JSON.stringify(data.lines);
        // The first answer only redraws if the page was rendered with other lines.
        if ((shown === null && data.lines.length !== list.children.length) || (shown !== null && signature !== shown)) {
          redraw(data.lines);
        }
        shown = signature;
        statusField.textContent = data.status;
        warning.hidden = !data.from_database;
      })
      .catch(function () {
        // The network dropped; the next poll tries again.
      })
      .then(function () {
        window.setTimeout(poll, POLL_MS);
      });
  }

  box.scrollTop = box.scrollHeight;
  window.setTimeout(poll, POLL_MS);
})();
