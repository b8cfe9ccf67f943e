/* The map of some stores (templates/partials/map.html), drawn with Leaflet,
   which the app serves itself. The pins come from a json_script element; tiles
   only from the site's MAP_TILES_URL (data-tiles): without it the pins stand on
   a plain background and no other host is asked for anything. */
(function () {
  "use strict";

  var el = document.getElementById("store-map");
  var source = el && document.getElementById(el.dataset.map);
  if (!el || !source || !window.L) return; // the page's list of stores stands in

  var data = JSON.parse(source.textContent);
  el.hidden = false;

  var map = L.map(el, {
    attributionControl: Boolean(el.dataset.tiles),
    zoomControl: false,
    scrollWheelZoom: false, // scrolling the page over the map scrolls the page
  });
  L.control.zoom({
    zoomInTitle: el.dataset.zoomIn || "Zoom in",
    zoomOutTitle: el.dataset.zoomOut || "Zoom out",
  }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {
      attribution: el.dataset.attribution || "",
      maxZoom: 19,
    }).addTo(map);
  }

  // Pins are Font Awesome glyphs in a div (no marker images to fetch), and
  // markers, so the keyboard reaches them (Tab, then Enter opens the popup).
  function icon(kind) {
    var glyph = document.createElement("i");
    glyph.className = kind === "here" ? "fa-solid fa-circle-dot" : "fa-solid fa-location-dot";
    glyph.setAttribute("aria-hidden", "true");
    return L.divIcon({
      className: "map-pin map-pin-" + kind,
      html: glyph,
      iconSize: [28, 28],
      iconAnchor: kind === "here" ? [14, 14] : [14, 28],
      popupAnchor: [0, -24],
    });
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  function popup(pin) {
    var box = document.createElement("div");
    box.appendChild(text("strong", pin.name));
    if (pin.address) box.appendChild(text("div", pin.address, "small"));
    if (pin.distance) box.appendChild(text("div", pin.distance, "small fw-semibold"));
    if (pin.links.length) {
      var list = document.createElement("ul");
      list.className = "list-unstyled small mb-0 mt-1";
      pin.links.forEach(function (link) {
        var item = document.createElement("li");
        var anchor = text("a", link.text);
        anchor.href = link.url;
        item.appendChild(anchor);
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    return box;
  }

  var points = [];
  data.pins.forEach(function (pin) {
    var label = pin.distance ? pin.name + " (" + pin.distance + ")" : pin.name;
    L.marker([pin.lat, pin.lng], { icon: icon("store"), title: label, alt: label, riseOnHover: true })
      .bindPopup(popup(pin))
      .addTo(map);
    points.push([pin.lat, pin.lng]);
  });
  if (data.here) {
    L.marker([data.here.lat, data.here.lng], {
      icon: icon("here"),
      title: data.here.label,
      alt: data.here.label,
      zIndexOffset: 1000,
    }).addTo(map);
    points.push([data.here.lat, data.here.lng]);
  }
  if (points.length === 1) {
    map.setView(points[0], 15);
  } else {
    map.fitBounds(points, { padding: [28, 28], maxZoom: 16 });
  }
  el.classList.add("map-ready");
})();
