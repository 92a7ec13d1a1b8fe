// Joy in Work: show the change ideas only of the components ticked under "Components to work on".
// Unticking a component clears its ideas, which the worksheet would otherwise reject.
(function () {
  "use strict";
  var boxes = document.querySelectorAll('input[name="action_components"]');
  if (!boxes.length) { return; }
  function update() {
    var chosen = {};
    boxes.forEach(function (box) { if (box.checked) { chosen[box.value] = true; } });
    document.querySelectorAll("[data-depends-on]").forEach(function (row) {
      var show = Boolean(chosen[row.getAttribute("data-depends-on")]);
      row.hidden = !show;
      if (!show) {
        row.querySelectorAll("input[type=checkbox]").forEach(function (input) { input.checked = false; });
        row.querySelectorAll("input[type=text]").forEach(function (input) { input.value = ""; });
      }
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
