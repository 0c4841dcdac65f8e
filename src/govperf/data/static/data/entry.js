// The entry grid from the keyboard: Enter (and arrow down) moves to the next cell, Shift+Enter
// (and arrow up) to the previous one; Tab works as everywhere. Enter never submits the grid.
(function () {
  "use strict";
  function cells(grid) {
    return Array.prototype.slice.call(grid.querySelectorAll(".js-cell:not([disabled])"));
  }
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.classList || !el.classList.contains("js-cell")) return;
    var grid = el.closest("[data-entry-grid]");
    if (!grid) return;
    var back = false;
    if (event.key === "Enter") {
      back = event.shiftKey;
    } else if (event.key === "ArrowDown" && el.tagName === "INPUT") {
      back = false;
    } else if (event.key === "ArrowUp" && el.tagName === "INPUT") {
      back = true;
    } else {
      return;
    }
    event.preventDefault();
    var list = cells(grid);
    var next = list[list.indexOf(el) + (back ? -1 : 1)];
    if (next) {
      next.focus();
      if (next.select) next.select();
    } else if (!back) {
      var save = document.querySelector("[data-entry-save]");
      if (save) save.focus();
    }
  });
})();
