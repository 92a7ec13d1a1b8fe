// Draws every run chart on the page from the figure the server embedded as JSON (json_script), and
// downloads a chart as PNG or SVG with plotly.js's own image export (no server round trip).
// Loaded as a file with the strict plotly.js bundle: no inline script, no eval.
(function () {
  "use strict";
  var config = {
    responsive: true,
    displaylogo: false,
    // Offline app: no "share to the cloud" button; the picture is downloaded with the page's own buttons,
    // which add the chart's title, team, measure and months.
    modeBarButtonsToRemove: ["toImage", "sendDataToCloud", "select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };
  function figureOf(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }
  function draw(el) {
    var figure = figureOf(el.dataset.runchart);
    if (!figure || el.dataset.drawn) return;
    window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
      el.dataset.drawn = "true"; // browser tests wait for this
    });
  }
  function drawAll(root) {
    (root || document).querySelectorAll("[data-runchart]").forEach(draw);
  }
  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  // The picture as it would print: wide, the heading on top, the plotly legend under the plot.
  function exportFigure(figure) {
    var layout = JSON.parse(JSON.stringify(figure.layout));
    var band = layout.yaxis2 ? 1 - layout.yaxis2.domain[0] : 0;
    var height = 560;
    layout.height = height;
    layout.width = 1100;
    var title = escapeText(figure.export.title);
    if (figure.export.subtitle) title += "<br><span style=\"font-size: 13px\">" + escapeText(figure.export.subtitle) + "</span>";
    layout.title = { text: title, x: 0.01, xanchor: "left", font: { size: 17 } };
    layout.margin = { l: 64, r: 24, t: 84, b: 150 };
    layout.showlegend = true;
    layout.legend = { orientation: "h", x: 0, y: -0.12, yanchor: "top", font: { size: 11 } };
    if (band) {
      // Keep the notes' band at the same height in pixels as on the page.
      var plot = height - layout.margin.t - layout.margin.b;
      var onPage = figure.layout.height - figure.layout.margin.t - figure.layout.margin.b;
      var split = 1 - (band * onPage) / plot;
      layout.yaxis.domain = [0, split - 0.04];
      layout.yaxis2.domain = [split, 1];
      (layout.shapes || []).forEach(function (shape) { if (shape.yref === "paper") shape.y1 = split; });
    }
    return { data: figure.data, layout: layout };
  }
  function download(button) {
    var figure = figureOf(button.dataset.runchartTarget);
    if (!figure) return;
    var format = button.dataset.runchartDownload;
    var picture = exportFigure(figure);
    window.Plotly.toImage(picture, { format: format, width: picture.layout.width, height: picture.layout.height })
      .then(function (url) {
        var link = document.createElement("a");
        link.href = url;
        link.download = figure.export.filename + "." + format;
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-runchart-download]");
    if (button) download(button);
  });
  // htmx swaps in refreshed charts; draw those too.
  document.body.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
