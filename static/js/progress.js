// Live progress of background work (clustering runs, large imports); without this script the page refreshes itself every 5 seconds.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var boxes = document.querySelectorAll(".run-progress[data-status-url]");
  Array.prototype.forEach.call(boxes, function (box) {
    function poll() {
      fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) { return; }
          box.querySelector("progress").value = state.progress;
          box.querySelector("progress").textContent = state.progress + " %";
          box.querySelector(".run-status").textContent = state.status_label;
          box.querySelector(".run-percent").textContent = state.progress;
          box.querySelector(".run-message").textContent = state.message;
          if (state.is_active) {
            window.setTimeout(poll, 1500);
          } else {
            window.location.assign(box.getAttribute("data-done-url"));
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  });
}());
