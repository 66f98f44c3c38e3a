// A file box's own button and words (« Choose File », « No file chosen ») are drawn in the browser's language,
// not the page's: each file box gets a French button and a line saying which file is chosen. The box itself
// stays in the page (visually hidden, still labelled and sent); without JavaScript it shows as the browser draws it.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("input[type=file]"), function (box) {
    var row = document.createElement("div");
    row.className = "file-choice";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Choisir le fichier…";
    var chosen = document.createElement("p");
    chosen.className = "file-chosen";
    chosen.id = box.id + "-choisi";
    chosen.setAttribute("aria-live", "polite");
    row.appendChild(button);
    row.appendChild(chosen);
    box.insertAdjacentElement("afterend", row);
    box.classList.add("visually-hidden");
    box.tabIndex = -1;
    var described = box.getAttribute("aria-describedby");
    button.setAttribute("aria-describedby", (described ? described + " " : "") + chosen.id);
    function show() {
      var file = box.files && box.files[0];
      chosen.textContent = file ? "Fichier choisi : " + file.name : "Aucun fichier choisi.";
    }
    button.addEventListener("click", function () { box.click(); });
    box.addEventListener("change", show);
    show();
  });
}());
