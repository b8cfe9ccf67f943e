/* Behaviour every page shares, kept out of the HTML: the Content-Security-Policy
   allows scripts from this site only, so no inline script or handler. */
(function () {
  "use strict";

  // A category's colour (data-cat-color) drives the --cat custom property of
  // its tiles and placeholder images; without script they keep the default.
  var hex = /^#[0-9a-fA-F]{3,8}$/;
  document.querySelectorAll("[data-cat-color]").forEach(function (el) {
    if (hex.test(el.dataset.catColor)) el.style.setProperty("--cat", el.dataset.catColor);
  });

  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // <form data-confirm="question">: ask before submitting (a refund).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
