// After filtering, sorting or paging (the address ends in #resultats), move the focus to the results
// count, so a screen reader announces it and the keyboard goes on from there. Without JS the page
// still scrolls to the results.
document.addEventListener("DOMContentLoaded", function () {
  if (window.location.hash === "#resultats") {
    var results = document.getElementById("resultats");
    if (results) { results.focus({ preventScroll: false }); }
  }
});
