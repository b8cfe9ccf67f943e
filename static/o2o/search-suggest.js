/* Suggestions as you type in the header's search box: asks
   GET /api/v1/search/suggest/?q= (the box's data-suggest-url) a moment after
   the last key press and offers the answers in the box's <datalist>, which
   the browser shows and reads out as a list of options (keyboard: arrow
   keys, Enter). A polite status says how many there are. Without script the
   box is a plain search box. */
(function () {
  "use strict";

  var input = document.getElementById("header-q");
  if (!input || !input.dataset.suggestUrl || !window.fetch) return;
  var list = document.getElementById(input.getAttribute("list"));
  var status = document.getElementById("header-q-status");
  var MAX = 64; // the endpoint's limit
  var WAIT_MS = 200;
  var timer = null;
  var asked = "";
  var controller = null;

  function kindLabel(kind) {
    var key = "kind" + kind.charAt(0).toUpperCase() + kind.slice(1);
    return input.dataset[key] || "";
  }

  function show(suggestions) {
    list.replaceChildren();
    suggestions.forEach(function (suggestion) {
      var option = document.createElement("option");
      option.value = suggestion.text;
      option.label = kindLabel(suggestion.kind);
      list.appendChild(option);
    });
    if (status) {
      status.textContent = suggestions.length
        ? (input.dataset.suggestCount || "%(n)s").replace("%(n)s", String(suggestions.length))
        : "";
    }
  }

  function ask() {
    var q = input.value.trim();
    if (q === asked) return;
    asked = q;
    if (!q || q.length > MAX) {
      show([]);
      return;
    }
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(q);
    fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (body) {
        if (input.value.trim() === q) show(body.suggestions || []);
      })
      .catch(function () {
        /* aborted by a newer key press, or offline: keep the box as it is */
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, WAIT_MS);
  });
})();
