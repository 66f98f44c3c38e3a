// Points voting on a phone: − / + steppers and a live "points restants" counter.
// The + buttons disable when the budget is spent, and a number typed past it is lowered to what
// remains (never reset to zero). Without JavaScript the number fields work and the server checks.
(function () {
  "use strict";
  function plural(n, word) {
    return n + " " + word + (n > 1 ? "s" : "");
  }
  function setUp(form) {
    const budget = parseInt(form.dataset.budget, 10);
    const counter = form.querySelector("[data-counter]");
    const inputs = Array.from(form.querySelectorAll("input[type=number]"));
    const points = (input) => Math.max(0, parseInt(input.value, 10) || 0);
    const total = () => inputs.reduce((sum, input) => sum + points(input), 0);
    function refresh() {
      const remaining = budget - total();
      counter.textContent = remaining >= 0
        ? plural(remaining, "point") + " " + (remaining > 1 ? "restants" : "restant") + " sur " + budget
        : plural(-remaining, "point") + " de trop : retirez-en avant de voter";
      form.querySelectorAll("button.step").forEach((button) => {
        const input = document.getElementById(button.getAttribute("aria-controls"));
        button.disabled = button.dataset.step === "1" ? remaining <= 0 : points(input) <= 0;
      });
    }
    form.querySelectorAll("button.step").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const input = document.getElementById(button.getAttribute("aria-controls"));
        const step = parseInt(button.dataset.step, 10);
        if (step > 0 && total() >= budget) return;
        input.value = Math.max(0, points(input) + step);
        refresh();
      });
    });
    inputs.forEach((input) => {
      input.addEventListener("input", () => {
        if (input.value === "") return refresh();
        const others = total() - points(input);
        if (others + points(input) > budget) input.value = Math.max(0, budget - others);
        refresh();
      });
    });
    refresh();
  }
  document.querySelectorAll("form.dots[data-budget]").forEach(setUp);
})();
