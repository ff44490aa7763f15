/* The /reports charts: drawn with the vendored Chart.js from the JSON the page embeds.
 * Clicking a bar, point or slice opens the list of the tickets behind it. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = data.dashboard.charts;
  var palette = ["#2c7be5", "#00b894", "#f6c343", "#e63757", "#6f42c1", "#39afd1", "#fd7e14",
                 "#95aac9", "#20c997", "#d63384"];

  function drillUrl(extra) {
    var url = new URL(data.drill, window.location.href);
    Object.keys(extra).forEach(function (name) {
      if (extra[name] !== null && extra[name] !== undefined) { url.searchParams.set(name, extra[name]); }
    });
    return url.toString();
  }

  function label(row) { return row.group === "" || row.group === null ? "—" : String(row.group); }

  function draw(canvas) {
    var table = charts[canvas.dataset.chart];
    if (!table) { return; }
    var kind = canvas.dataset.type;
    var rows = table.rows;
    var config;
    var links = [];
    if (kind === "backlog") {
      var row = rows[0] || {};
      var keys = ["age_0_1d", "age_1_3d", "age_3_7d", "age_7_30d", "age_30d_plus"];
      config = { type: "bar", data: { labels: data.ageing, datasets: [{
        label: data.labels.open, backgroundColor: palette[3],
        data: keys.map(function (k) { return row[k] || 0; }) }] } };
      links = keys.map(function () { return drillUrl({ state: "open" }); });
    } else if (kind === "sla") {
      config = { type: "bar", data: {
        labels: rows.map(function (r) { return data.metrics[r.metric] || r.metric; }),
        datasets: [{ label: data.labels.on_time, backgroundColor: palette[1],
          data: rows.map(function (r) { return r.on_time_rate === null ? 0 : Math.round(r.on_time_rate * 1000) / 10; }) }] },
        options: { scales: { y: { min: 0, max: 100 } } } };
      links = rows.map(function () { return drillUrl({ state: "resolved" }); });
    } else {
      var dimension = canvas.dataset.dimension || (table.kpi === "top_fault_codes" ? null : table.dimension);
      var values = rows.map(function (r) { return r.tickets; });
      config = { type: kind === "line" ? "line" : kind, data: {
        labels: rows.map(label),
        datasets: [{ label: data.labels.tickets, data: values,
          backgroundColor: kind === "pie" ? palette : palette[0], borderColor: palette[0], tension: 0.2 }] } };
      links = rows.map(function (r) {
        return dimension ? drillUrl({ dimension: dimension, key: r.group_key }) : drillUrl({});
      });
    }
    config.options = Object.assign({ responsive: true, animation: false,
      plugins: { legend: { display: kind === "pie" } } }, config.options || {});
    config.options.onClick = function (event, elements) {
      if (elements.length && links[elements[0].index]) { window.location.href = links[elements[0].index]; }
    };
    config.options.onHover = function (event, elements) {
      event.native.target.style.cursor = elements.length ? "pointer" : "default";
    };
    canvas.reportChart = new Chart(canvas, config);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
}());
