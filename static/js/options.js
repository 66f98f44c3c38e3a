// A drop-down list whose long options are shortened (their full text in « title », see _forms.html): the chosen
// option's full text is shown under the list, since a phone's own picker shows only the short label.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select"), function (select) {
    if (!select.querySelector("option[title]")) { return; }
    var full = document.createElement("p");
    full.className = "hint option-full";
    full.id = (select.id || select.name) + "-choix-complet";
    select.insertAdjacentElement("afterend", full);
    var described = select.getAttribute("aria-describedby");
    select.setAttribute("aria-describedby", (described ? described + " " : "") + full.id);
    function show() {
      var option = select.options[select.selectedIndex];
      var text = option && option.title ? option.title : "";
      full.textContent = text ? "Choix : " + text : "";
      full.hidden = !text;
    }
    select.addEventListener("change", show);
    show();
  });
}());
