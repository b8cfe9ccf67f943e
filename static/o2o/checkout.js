/* Checkout: the saving and the total follow the quantity and the coupon
   chosen, as the server prices them (orders.services.coupons.coupon_discount:
   a percentage rounded down to the cent and capped, a cent always left to
   pay, nothing below the minimum spend). The server's price is the one paid. */
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) return;
  var price = Math.round(parseFloat(form.dataset.price) * 100);
  var input = form.querySelector("input[name=quantity]");
  var total = document.getElementById("checkout-total");
  var saving = document.getElementById("checkout-saving");
  var termsNode = document.getElementById("coupon-terms");
  var terms = termsNode ? JSON.parse(termsNode.textContent) : {};
  function cents(text) { return Math.round(parseFloat(text) * 100); }
  function yuan(c) { return "¥" + (c / 100).toFixed(2).replace(/\.00$/, ""); }
  function discount(subtotal) {
    var chosen = form.querySelector("input[name=coupon]:checked");
    var code = form.querySelector("input[name=promo_code]");
    if (!chosen || !chosen.value || (code && code.value.trim())) return 0;
    var t = terms[chosen.value];
    if (!t || subtotal < cents(t.min)) return 0;
    var off = t.kind === "percent" ? Math.floor(subtotal * parseFloat(t.value) / 100) : cents(t.value);
    if (t.kind === "percent" && t.cap) off = Math.min(off, cents(t.cap));
    return Math.max(Math.min(off, subtotal - 1), 0);
  }
  function update() {
    var q = parseInt(input.value, 10);
    if (!(q > 0)) return;
    var subtotal = price * q, off = discount(subtotal);
    total.textContent = yuan(subtotal - off);
    if (saving) saving.textContent = off ? "−" + yuan(off) : "—";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
