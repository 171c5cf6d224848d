// Ask before destructive actions: any button or link with data-confirm.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// A background job's page (data-job-status-url): follow its progress without reloading.
(function () {
  var panel = document.querySelector("[data-job-status-url]");
  if (!panel || !window.fetch) { return; }
  var bar = panel.querySelector("progress");
  var counter = panel.querySelector("[data-job-counter]");
  var template = panel.getAttribute("data-counter-template");
  function show(state) {
    if (state.total) { bar.max = state.total; }
    bar.value = state.done;
    counter.textContent = template.replace("{done}", state.done).replace("{total}", state.total);
    if (state.status === "running") {
      panel.querySelector("[data-job-status]").textContent = panel.getAttribute("data-running-label");
    }
    if (state.status === "done" || state.status === "failed" || state.status === "expired") {
      window.location.reload();  // the server renders the finished page (link or reason)
      return true;
    }
    return false;
  }
  function poll() {
    fetch(panel.getAttribute("data-job-status-url"), {headers: {"Accept": "application/json"},
                                                      credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (state) { if (!show(state)) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();

// The error summary of a refused form (GOV.UK pattern): it takes focus when the page loads,
// so a screen reader reads it and the keyboard starts there; its links move focus to their
// field (a plain #link would only scroll), showing the field's label or legend with it.
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) { return; }
    event.preventDefault();
    var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    var label = document.querySelector("label[for='" + input.id + "']");
    var shown = (legend && input.type === "checkbox") || (legend && input.type === "radio")
      ? legend : (label && !label.classList.contains("visually-hidden") ? label : input);
    shown.scrollIntoView();
    input.focus({preventScroll: true});
  });
})();

// Filter bars folded on a phone (details.filter-disclosure): the server renders them open, so
// without this script nothing is hidden; on a narrow screen they fold unless a filter is set,
// and on a wide one (or after turning the phone) they are open again.
(function () {
  var bars = document.querySelectorAll("details.filter-disclosure");
  if (!bars.length || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 599.98px)");
  Array.prototype.forEach.call(bars, function (bar) {
    if (narrow.matches && !bar.hasAttribute("data-filtered")) { bar.open = false; }
  });
  var reopen = function () {
    if (!narrow.matches) { Array.prototype.forEach.call(bars, function (bar) { bar.open = true; }); }
  };
  if (narrow.addEventListener) { narrow.addEventListener("change", reopen); }
})();
