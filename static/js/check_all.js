// "Tout cocher" / "Tout décocher" and the live count of ticked sources, without reloading the page.
// Without JavaScript the two buttons submit the form and the server ticks or unticks the same boxes.
document.querySelectorAll("[data-check-all]").forEach((fieldset) => {
  const boxes = () => [...fieldset.querySelectorAll('input[type="checkbox"][name="ids"]:not(:disabled)')];
  const count = fieldset.querySelector("[data-count]");
  const word = fieldset.querySelector("[data-count-word]");
  const update = () => {
    const n = boxes().filter((box) => box.checked).length;
    count.textContent = n;
    word.textContent = n > 1 ? "cochées" : "cochée";
  };
  fieldset.querySelectorAll("[data-check]").forEach((button) => {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      boxes().forEach((box) => { box.checked = button.dataset.check === "all"; });
      update();
    });
  });
  fieldset.addEventListener("change", update);
});
