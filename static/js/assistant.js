// Streams the assistant's checked sentences into the page as they are generated.
// Without JavaScript the form posts normally and the page shows the full answer.
(function () {
  "use strict";
  var form = document.querySelector("form.assistant-form");
  var live = document.getElementById("assistant-direct");
  if (!form || !live || !window.fetch || !window.TextDecoder) { return; }

  function add(tag, text, className) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (className) { node.className = className; }
    live.appendChild(node);
    return node;
  }

  function show(event) {
    var data = event.data;
    if (event.event === "notice") { add("p", data, "notice"); }
    else if (event.event === "error") { add("p", event.message, "error"); }
    else if (event.event === "segment") {
      if (data.kind === "titre") { add(data.level === 2 ? "h5" : "h4", data.text); }
      else if (data.kind !== "phrase") { add("p", data.text, data.kind); }
      else if (data.status === "verifiee") {
        add("p", data.text + " [" + data.citations.map(function (id) { return "n° " + id; }).join(", ") + "]", "phrase");
      } else { add("p", "non vérifiée — " + data.text, "phrase non-verifiee"); }
    }
  }

  form.addEventListener("submit", function (e) {
    var submitter = e.submitter;
    if (!submitter || !window.ReadableStream) { return; }
    e.preventDefault();
    var body = new FormData(form);
    body.set("action", submitter.value);
    live.textContent = "";
    add("p", "Génération en cours…", "meta");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.getAttribute("data-stream"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { return; }
            buffer += decoder.decode(chunk.value, { stream: true });
            var lines = buffer.split("\n");
            buffer = lines.pop();
            lines.forEach(function (line) {
              if (!line) { return; }
              var event = JSON.parse(line);
              if (event.event === "queued") {  // a large scope: generated on the task queue
                window.location.reload();
                return;
              }
              if (event.event === "done") {
                var url = new URL(window.location.href);
                url.hash = "message-" + event.data;
                window.location.assign(url.toString());
                window.location.reload();
                return;
              }
              show(event);
            });
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "action"; hidden.value = submitter.value;
        form.appendChild(hidden);
        form.submit();
      })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });
}());
