/* Draws every <canvas data-chart-source="ID"> from the JSON in <script id="ID" type="application/json">
   (Django's json_script): answer rate and service level per interval, threshold lines, warnings as
   triangles. No inline script: the page's CSP allows only static files. Texts come from the server. */
(function () {
  "use strict";
  var COLORS = { answer_rate: "#1f4f99", service_level: "#1d6b3a", severe: "#b42318", target: "#a35a00" };

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") { return; }
    var source = document.getElementById(canvas.dataset.chartSource);
    if (!source) { return; }
    var chart = JSON.parse(source.textContent);
    var labels = chart.points.map(function (p) { return p.label; });
    var datasets = ["answer_rate", "service_level"].map(function (key) {
      return {
        label: chart.labels[key], data: chart.points.map(function (p) { return p[key]; }),
        borderColor: COLORS[key], backgroundColor: COLORS[key], borderWidth: 1.5, pointRadius: 0, spanGaps: false
      };
    });
    chart.thresholds.forEach(function (line) {
      datasets.push({
        label: line.label, data: labels.map(function () { return line.value; }),
        borderColor: line.style === "target" ? COLORS.target : COLORS[line.figure],
        borderDash: line.style === "target" ? [2, 3] : [6, 4], borderWidth: 1, pointRadius: 0
      });
    });
    datasets.push({
      label: chart.labels.warnings, type: "line", showLine: false, pointStyle: "triangle", pointRadius: 8,
      borderColor: COLORS.severe, backgroundColor: COLORS.severe,
      data: chart.points.map(function (p) {
        if (!p.warnings.length) { return null; }
        var kind = p.warnings[0].kind;
        return kind === "service_level_below" ? p.service_level : p.answer_rate;
      })
    });
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
                  x: { ticks: { maxTicksLimit: 16, autoSkip: true } } },
        plugins: {
          tooltip: {
            callbacks: {
              afterBody: function (items) {
                var point = chart.points[items[0].dataIndex];
                var lines = [chart.labels.offered + ": " + point.offered];
                point.warnings.forEach(function (w) {
                  var shown = w.figure === null ? "" : (w.kind === "complaints_above" ? w.figure : Math.round(w.figure * 1000) / 10 + "%");
                  lines.push("⚠ " + w.rule + " " + shown);
                });
                return lines;
              }
            }
          }
        }
      }
    });
  }

  function drawAll() { document.querySelectorAll("canvas[data-chart-source]").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
  document.addEventListener("htmx:afterSwap", drawAll);
})();
