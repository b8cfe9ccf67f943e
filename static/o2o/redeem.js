/* Scan a voucher's QR code with the device camera, where the browser can read
   barcodes (BarcodeDetector); everywhere else the cashier types the code.
   The messages come translated from the page (data-hint, data-no-camera). */
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var box = document.getElementById("scanner"), button = document.getElementById("scan-button");
  var video = document.getElementById("scan-video"), status = document.getElementById("scan-status");
  var input = document.getElementById("id_code");
  if (!box) return;
  BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) return;
    box.hidden = false;
    var detector = new BarcodeDetector({formats: ["qr_code"]});
    button.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
        video.srcObject = stream; video.hidden = false; video.play();
        status.textContent = box.dataset.hint;
        var scan = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              input.value = codes[0].rawValue;
              input.form.requestSubmit();
            } else { requestAnimationFrame(scan); }
          }).catch(function () { requestAnimationFrame(scan); });
        };
        scan();
      }).catch(function () {
        status.textContent = box.dataset.noCamera;
      });
    });
  });
})();
