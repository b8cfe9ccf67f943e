/* "Deals near me" on /nearby/: the browser is asked for its position only when
   the button is pressed; the position goes to the page as ?lat=&lng=. Without
   script (or geolocation) the button stays hidden and the business-area
   select does the job. */
(function () {
  "use strict";

  var button = document.getElementById("near-me");
  if (!button || !("geolocation" in navigator)) return;
  var form = document.getElementById("nearby-form");
  var status = document.getElementById("near-me-status");
  var area = document.getElementById("nearby-area");

  function field(name) {
    var input = form.querySelector("input[name=" + name + "]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    return input;
  }

  function forgetPosition() {
    form.querySelectorAll("input[name=lat], input[name=lng]").forEach(function (input) {
      input.remove();
    });
  }

  // Choosing a business area replaces the position sent before.
  if (area) area.addEventListener("change", forgetPosition);

  // Back to this page from the next one: the select works again.
  window.addEventListener("pageshow", function () {
    if (area) area.disabled = false;
  });

  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        field("lat").value = position.coords.latitude.toFixed(6);
        field("lng").value = position.coords.longitude.toFixed(6);
        if (area) area.disabled = true; // the position alone: no empty ?area= in the address
        form.submit();
      },
      function (error) {
        button.disabled = false;
        status.textContent =
          error.code === error.PERMISSION_DENIED ? button.dataset.denied : button.dataset.unavailable;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
