// 客户数据分析: draws each chart from the table data the server put in data-chart, with the
// SVG renderer, so the labels are text in the page (selectable, printable, found by tests).
(function () {
  "use strict";
  function option(spec) {
    var labels = spec.rows.map(function (r) { return String(r[0]); });
    if (spec.kind === "pie") {
      return {
        tooltip: {trigger: "item"},
        series: [{type: "pie", radius: "60%", label: {formatter: "{b}: {c}"},
                  data: spec.rows.map(function (r) { return {name: String(r[0]), value: r[1]}; })}]
      };
    }
    var numeric = spec.columns.slice(1).map(function (c, i) { return i + 1; }).filter(function (i) {
      return spec.rows.every(function (r) { return typeof r[i] === "number"; });
    });
    return {
      tooltip: {trigger: "axis"},
      legend: numeric.length > 1 ? {top: 0} : undefined,
      grid: {left: 8, right: 16, top: numeric.length > 1 ? 32 : 16, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: labels, axisLabel: {interval: 0, rotate: labels.length > 6 ? 30 : 0}},
      yAxis: numeric.map(function (i, n) { return {type: "value", name: n ? spec.columns[i] : ""}; }).slice(0, 2),
      series: numeric.map(function (i, n) {
        // every value written on its bar or point while they fit (a one-month series comes
        // as bars from the server, so it never shows as a lone dot); bars never wider than 48px
        return {name: spec.columns[i], type: spec.kind === "line" ? "line" : "bar",
                yAxisIndex: n ? 1 : 0, label: {show: spec.rows.length <= 12, position: "top"},
                barMaxWidth: 48, data: spec.rows.map(function (r) { return r[i]; })};
      })
    };
  }
  function draw(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("div.chart[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var chart = window.echarts.init(el, null, {renderer: "svg", height: 320});
      chart.setOption(option(JSON.parse(el.dataset.chart)));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  draw(document);
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
})();
