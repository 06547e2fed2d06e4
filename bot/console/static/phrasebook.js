// The phrasebook under the reply box: choosing a phrase inserts it, in the
// person's language, where the cursor is; the counselor can edit it before
// sending. The phrase comes from the option's value, set as text only.
(function () {
  "use strict";
  var select = document.getElementById("phrasebook");
  var reply = document.getElementById("reply-text");
  if (!select || !reply) {
    return;
  }
  select.addEventListener("change", function () {
    var phrase = select.value;
    if (!phrase) {
      return;
    }
    var start = reply.selectionStart;
    var end = reply.selectionEnd;
    var before = reply.value.slice(0, start);
    var gap = before && !/\s$/.test(before) ? "\n" : "";
    reply.value = before + gap + phrase + reply.value.slice(end);
    var caret = (before + gap + phrase).length;
    reply.setSelectionRange(caret, caret);
    select.value = "";
    reply.focus();
  });
})();
