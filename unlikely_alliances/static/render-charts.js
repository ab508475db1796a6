// Appended to the vega/vega-lite/vega-embed bundle that the book ships once (_static/ua-charts.js,
// loaded as a module so its minified names cannot clash with the theme's globals).
// Draws every figure container on the page from the Vega-Lite spec stored beside it.
function drawCharts() {
  for (const container of document.querySelectorAll(".ua-chart[data-spec]")) {
    const specElement = document.getElementById(container.dataset.spec);
    if (!specElement || container.dataset.rendered) continue;
    container.dataset.rendered = "pending";
    vegaEmbed(container, JSON.parse(specElement.textContent), { renderer: "svg", actions: false })
      .then(() => { container.dataset.rendered = "true"; })
      .catch((error) => {
        container.dataset.rendered = "error";
        console.error(`chart ${container.id} failed to draw:`, error);
      });
  }
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", drawCharts);
} else {
  drawCharts();
}
