/* A payment the payer completes elsewhere (WeChat Pay's QR code): ask our
   server every few seconds how it stands, and move on once it is settled. */
(function () {
  "use strict";
  var box = document.getElementById("pay-status");
  if (!box || !window.fetch) return;
  var tries = 0;
  function poll() {
    tries += 1;
    if (tries > 200) return; // ten minutes: the refresh button remains
    fetch(box.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== "pending") { window.location = data.next; return; }
        window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 6000); });
  }
  window.setTimeout(poll, 3000);
})();
