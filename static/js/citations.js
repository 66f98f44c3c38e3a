// Citations « [n° 114] » show their contribution as a preview: CSS shows it on hover and on keyboard focus.
// This script keeps the preview inside the screen (a citation near the right edge of a phone pushed it off),
// lets Escape close it, and on a touch screen makes a first tap show it and a second tap open the contribution.
// Without JavaScript the preview still shows on hover and focus, and a tap opens the contribution.
document.addEventListener("DOMContentLoaded", function () {
  var MARGIN = 8;
  var lastPointer = "mouse";

  function tipOf(citation) { return citation.querySelector(".citation-tip"); }

  function place(citation) {
    var tip = tipOf(citation);
    if (!tip) { return; }
    tip.style.left = "";
    tip.style.top = "";
    tip.style.bottom = "";
    var box = tip.getBoundingClientRect();
    if (!box.width) { return; }  // not shown
    var width = document.documentElement.clientWidth;
    var shift = Math.max(0, box.right - (width - MARGIN));
    shift = Math.min(shift, box.left - MARGIN);  // never past the left edge either
    if (shift > 0) { tip.style.left = -shift + "px"; }
    var above = citation.getBoundingClientRect().top - box.height - MARGIN;
    if (box.bottom > window.innerHeight - MARGIN && above > MARGIN) {
      tip.style.top = "auto";
      tip.style.bottom = "1.4em";
    }
  }

  function closeAll(except) {
    document.querySelectorAll(".citation.citation-open").forEach(function (citation) {
      if (citation !== except) { citation.classList.remove("citation-open"); }
    });
  }

  document.querySelectorAll(".citation").forEach(function (citation) {
    if (!tipOf(citation)) { return; }
    function show() {
      citation.classList.remove("citation-closed");
      place(citation);
    }
    citation.addEventListener("mouseenter", show);
    citation.addEventListener("focusin", show);
    citation.addEventListener("mouseleave", function () { citation.classList.remove("citation-closed"); });
    citation.addEventListener("focusout", function () { citation.classList.remove("citation-closed"); });
    var link = citation.querySelector("a");
    link.addEventListener("click", function (event) {
      if (lastPointer !== "touch" || citation.classList.contains("citation-open")) { return; }
      event.preventDefault();  // first tap: the preview; a second tap opens the contribution
      closeAll(citation);
      citation.classList.add("citation-open");
      var tip = tipOf(citation);
      if (!tip.querySelector(".citation-touch-hint")) {
        var hint = document.createElement("span");
        hint.className = "citation-touch-hint";
        hint.textContent = "Touchez à nouveau le numéro pour ouvrir la contribution.";
        tip.appendChild(hint);
      }
      show();
    });
  });

  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType || "mouse";
    if (!event.target.closest || !event.target.closest(".citation")) { closeAll(null); }
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(".citation").forEach(function (citation) {
      if (citation.matches(":hover, :focus-within, .citation-open")) {
        citation.classList.remove("citation-open");
        citation.classList.add("citation-closed");
      }
    });
  });
});
