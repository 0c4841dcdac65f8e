// The plan editor: the weight total follows what is typed, before the row is saved.
(function () {
  "use strict";
  function update() {
    var total = 0;
    document.querySelectorAll(".js-weight").forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) total += value;
    });
    total = Math.round(total * 1e6) / 1e6;
    document.querySelectorAll("[data-weight-total]").forEach(function (el) {
      el.textContent = String(total);
      var ok = total === 100;
      el.classList.toggle("text-success", ok);
      el.classList.toggle("text-danger", !ok);
    });
  }
  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("js-weight")) update();
  });
})();
