// A coming deal's page: "Starts in hh:mm:ss" counts down from the seconds the
// server rendered (the text without script), and at zero the page is loaded
// again, when the server shows the buy button. Counted from the seconds left,
// not the start time, so a phone whose clock is wrong still counts right.
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown-seconds]");
  if (!el) {
    return;
  }
  var end = Date.now() + Number(el.getAttribute("data-countdown-seconds")) * 1000;
  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }
  function tick() {
    var ms = end - Date.now();
    var left = Math.max(0, Math.ceil(ms / 1000));
    el.textContent =
      pad(Math.floor(left / 3600)) + ":" + pad(Math.floor((left % 3600) / 60)) + ":" + pad(left % 60);
    if (ms <= 0) {
      // A moment after the start, so the server's clock has passed it too.
      window.setTimeout(function () { window.location.reload(); }, 500);
      return;
    }
    window.setTimeout(tick, ms % 1000 || 1000);
  }
  tick();
})();
