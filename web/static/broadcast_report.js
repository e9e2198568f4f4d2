// Keep a broadcast's delivery report current by polling its JSON figures. A file, not an inline
// script, so the strict CSP holds; without JavaScript the page's "Refresh the figures" link does this.
(function () {
  "use strict";
  var report = document.getElementById("broadcast-report");
  if (!report) { return; }
  var url = report.getAttribute("data-report-url");
  var figures = ["queued", "sent", "failed", "unreachable", "acknowledged", "not_sent"];

  function show(data) {
    figures.forEach(function (figure) {
      var count = document.getElementById("count-" + figure);
      var percent = document.getElementById("percent-" + figure);
      if (count) { count.textContent = String(data.counts[figure] || 0); }
      if (percent) { percent.textContent = String(data.percentages[figure] || 0) + "%"; }
    });
    var done = data.total ? Math.round(100 * data.finished / data.total) : 100;
    var bar = document.getElementById("report-progress");
    bar.max = data.total || 1;
    bar.value = data.total ? data.finished : 1;
    bar.textContent = done + "%";
    document.getElementById("report-progress-label").textContent =
      data.finished + " of " + data.total + " messages finished (" + done + "%)";
    document.getElementById("report-status").textContent = data.status.replace("_", " ");
    return data.is_complete;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data === null || !show(data)) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
