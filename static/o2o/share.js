/* The share button (templates/partials/share.html): the system's share sheet
   where the browser has one (Web Share API, phones), else the link copied to
   the clipboard, else the link shown, selected, to copy by hand. Without
   script the <details> still opens on the link. */
(function () {
  "use strict";

  document.querySelectorAll("details[data-share-url]").forEach(function (box) {
    var summary = box.querySelector("summary");
    var input = box.querySelector("input");
    var status = box.parentElement.querySelector("[data-share-status]");
    var url = box.dataset.shareUrl;

    function showLink() {
      box.open = true;
      input.focus();
      input.select();
    }

    function copy() {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(function () {
          if (status) status.textContent = box.dataset.copied;
        }, showLink);
      } else {
        showLink();
      }
    }

    summary.addEventListener("click", function (event) {
      if (box.open) return; // closing the shown link
      event.preventDefault();
      if (status) status.textContent = "";
      if (navigator.share) {
        navigator.share({ title: box.dataset.shareTitle, url: url }).catch(function (error) {
          // Dismissing the share sheet is a choice, not a failure.
          if (!error || error.name !== "AbortError") copy();
        });
      } else {
        copy();
      }
    });

    input.addEventListener("focus", function () { input.select(); });
  });
})();
