// As-you-type suggestions of similar contributions (the form works without this script).
(function () {
  "use strict";
  var form = document.getElementById("contribution-form");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-similar-url");
  var text = form.querySelector("textarea[name=text]");
  var title = form.querySelector("input[name=title]");
  var output = document.getElementById("similaires-en-direct");
  var timer = null;
  var lastQuery = "";
  var MAX_ENCODED_QUERY = 3000;

  function render(results) {
    output.textContent = "";
    if (!results.length) { return; }
    var heading = document.createElement("h2");
    heading.textContent = "Des contributions proches existent déjà";
    var list = document.createElement("ul");
    results.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "suggestion";
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title || ("Contribution n° " + item.id);
      li.appendChild(link);
      li.appendChild(document.createTextNode(" — " + item.excerpt + " (" + item.theme + ", " +
        item.n_supports + " soutien" + (item.n_supports === 1 ? "" : "s") + ")"));
      list.appendChild(li);
    });
    var hint = document.createElement("p");
    hint.textContent = "Ouvrez-en une pour la soutenir, ou continuez votre saisie.";
    output.appendChild(heading);
    output.appendChild(hint);
    output.appendChild(list);
  }

  // The server refuses a request line past 4 KB: a long text is sent by its start, in whole words.
  function encodedStart(query) {
    var encoded = encodeURIComponent(query);
    while (encoded.length > MAX_ENCODED_QUERY) {
      query = query.slice(0, Math.floor(query.length * 0.8)).replace(/\s+\S*$/, "");
      encoded = encodeURIComponent(query);
    }
    return encoded;
  }

  function ask() {
    var query = ((title && title.value) || "") + " " + text.value;
    if (query.trim().length < 15 || query === lastQuery) { return; }
    lastQuery = query;
    fetch(url + "?texte=" + encodedStart(query), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { if (query === lastQuery) { render(data.results); } })
      .catch(function () { /* suggestions are a help, never a blocker */ });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  }
  text.addEventListener("input", schedule);
  if (title) { title.addEventListener("input", schedule); }
})();
