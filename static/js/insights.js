// Draws the admin insights charts: each <canvas data-chart="ID"> gets the Chart.js configuration
// in the JSON script element ID (made by the view with json_script). The tables beside the
// charts hold the same numbers, so the pages work without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (source) new Chart(canvas, JSON.parse(source.textContent));
  });
});
