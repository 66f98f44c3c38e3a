// Projector page: poll the session's JSON state; when the ranking changed, swap in the fresh chart.
(function () {
  "use strict";
  const PERIOD_MS = 3000;
  async function poll() {
    const live = document.getElementById("live");
    if (!live || live.dataset.open !== "oui") return;
    try {
      const state = await (await fetch(live.dataset.state, { headers: { Accept: "application/json" }, cache: "no-store" })).json();
      if (state.revision !== live.dataset.revision) {
        const page = await (await fetch(window.location.href, { cache: "no-store" })).text();
        const fresh = new DOMParser().parseFromString(page, "text/html").getElementById("live");
        if (fresh) live.replaceWith(document.importNode(fresh, true));
      }
    } catch (error) {
      // Network hiccup in the room: try again at the next tick.
    }
    window.setTimeout(poll, PERIOD_MS);
  }
  window.setTimeout(poll, PERIOD_MS);
})();
