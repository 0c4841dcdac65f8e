// The goal tree: clicking a node loads its targets and children beside the chart (drill-down).
(function () {
  "use strict";
  document.addEventListener("govperf:chart", function (event) {
    var chart = event.detail;
    var panel = document.getElementById("goal-detail");
    if (!chart || !panel || !window.htmx) return;
    chart.on("click", function (params) {
      var url = params && params.data && params.data.url;
      if (!url) return;
      window.htmx.ajax("GET", url, { target: "#goal-detail", swap: "innerHTML" }).then(function () {
        panel.focus();
      });
    });
  });
})();
