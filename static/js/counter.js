// Characters typed in a text box that has a limit (data-max-length), shown under it as people type, so a
// long text is not refused only after sending (the server checks the same limit; the form works without this).
(function () {
  "use strict";
  var format = function (n) { return n.toLocaleString("fr-FR"); };
  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-max-length]"), function (box) {
    var max = parseInt(box.getAttribute("data-max-length"), 10);
    if (!max) { return; }
    var counter = document.createElement("p");
    counter.className = "hint counter";
    counter.id = box.id + "-compteur";
    // Announced once when the text goes over the limit, not at every key.
    var alert = document.createElement("p");
    alert.className = "visually-hidden";
    alert.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", alert);
    var wasOver = false;
    function update() {
      var n = box.value.length;
      var over = n > max;
      counter.textContent = over
        ? format(n) + " caractères : " + format(n - max) + " de trop (" + format(max) + " au plus)"
        : format(n) + " caractère" + (n > 1 ? "s" : "") + " sur " + format(max);
      counter.classList.toggle("over", over);
      if (over !== wasOver) {
        alert.textContent = over ? "Texte trop long de " + format(n - max) + " caractères." : "";
        wasOver = over;
      }
    }
    box.addEventListener("input", update);
    update();
  });
})();
