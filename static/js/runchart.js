// Draws every run chart on the page from the figure the server embedded as JSON (json_script).
// Loaded as a file with the strict plotly.js bundle: no inline script, no eval.
(function () {
  "use strict";
  var config = {
    responsive: true,
    displaylogo: false,
    // Offline app: no "share to the cloud" button, and only the tools a run chart needs.
    modeBarButtonsToRemove: ["sendChartToCloud", "sendDataToCloud", "select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };
  function draw(el) {
    var source = document.getElementById(el.dataset.runchart);
    if (!source || el.dataset.drawn) return;
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
      el.dataset.drawn = "true"; // browser tests wait for this
    });
  }
  function drawAll(root) {
    (root || document).querySelectorAll("[data-runchart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // htmx swaps in refreshed charts; draw those too.
  document.body.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
