/* Checkout: the total follows the quantity as it is typed. */
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) return;
  var price = parseFloat(form.dataset.price), input = form.querySelector("input[name=quantity]"), out = document.getElementById("checkout-total");
  function update() { var q = parseInt(input.value, 10); if (q > 0) { out.textContent = "¥" + (price * q).toFixed(2).replace(/\.00$/, ""); } }
  input.addEventListener("input", update); update();
})();
