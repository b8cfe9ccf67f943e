/* Stripe's card form on our payment page: Stripe.js (loaded before this from
   Stripe's host) confirms the PaymentIntent, then we go back to the order. */
(function () {
  "use strict";
  var form = document.getElementById("stripe-form");
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = document.getElementById("pay-button");
    button.disabled = true;
    stripe.confirmCardPayment(form.dataset.secret, {payment_method: {card: card}}).then(function (result) {
      if (result.error) {
        document.getElementById("card-errors").textContent = result.error.message;
        button.disabled = false;
      } else {
        window.location = form.dataset.return;
      }
    });
  });
})();
