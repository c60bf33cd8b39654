/* The libraries' map (register list, library profile): Leaflet from npm, markers from thuvien's GeoJSON.

   Everything comes from the map element's data- attributes (no inline script):
     data-geojson      URL of a FeatureCollection of Points (properties: code, name, kind, kind_label,
                       address, phone, opening_hours, url; an optional colour wins over the kind's)
     data-tiles        tile URL template; empty means no background map (markers still show)
     data-attribution  the tile server's attribution
     data-colours      JSON {kind: "#rrggbb"} for the markers and the legend's swatches
     data-labels       JSON of the translated texts the map shows
     data-zoom         zoom for a single marker (default 14)
   The list on the page never depends on this script: without JavaScript, tiles or GeoJSON, it is whole. */
(function () {
  "use strict";

  function parse(text, fallback) {
    try {
      return JSON.parse(text || "");
    } catch (e) {
      return fallback;
    }
  }

  // Notes go under the map, in the page's flow, so they never cover a marker.
  function note(container, text) {
    var p = container.parentNode.querySelector(".map-note[role=status]");
    if (!p) {
      p = document.createElement("p");
      p.className = "map-note";
      p.setAttribute("role", "status");
      container.insertAdjacentElement("afterend", p);
    }
    p.textContent = text;
  }

  function line(parent, tag, text, className) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    parent.appendChild(el);
    return el;
  }

  // Built with textContent only: names and addresses are data, never markup.
  function popup(props, labels) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("a");
    title.href = props.url || "#";
    title.textContent = props.name || props.code || "";
    title.className = "map-popup-title";
    box.appendChild(title);
    if (props.kind_label) line(box, "div", props.kind_label, "map-popup-kind");
    if (props.address) line(box, "div", props.address);
    if (props.phone) line(box, "div", (labels.phone || "") + ": " + props.phone);
    if (props.opening_hours) line(box, "div", (labels.hours || "") + ": " + props.opening_hours, "map-popup-hours");
    return box;
  }

  function start(container) {
    if (container.dataset.started) return;
    container.dataset.started = "1";
    var colours = parse(container.dataset.colours, {});
    var labels = parse(container.dataset.labels, {});
    var singleZoom = parseInt(container.dataset.zoom || "14", 10);
    container.classList.add("map-ready");
    var figure = container.closest("figure");
    if (figure) figure.classList.add("map-on");
    var map = L.map(container, {
      // A finger on a phone scrolls the page, not the map (two fingers zoom); the wheel scrolls the page.
      dragging: !L.Browser.mobile,
      scrollWheelZoom: false,
      attributionControl: true,
    });
    map.attributionControl.setPrefix(false);
    map.setView([16.0, 106.0], 5); // Vietnam, until the markers arrive

    var tiles = container.dataset.tiles;
    if (tiles) {
      var layer = L.tileLayer(tiles, { maxZoom: 19, attribution: container.dataset.attribution || "" });
      var warned = false;
      layer.on("tileerror", function () {
        if (warned) return;
        warned = true;
        container.classList.add("tiles-failed");
        note(container, labels.tiles_failed || "");
      });
      layer.addTo(map);
    }

    fetch(container.dataset.geojson, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var props = feature.properties || {};
            var colour = props.colour || colours[props.kind] || "#555555";
            return L.circleMarker(latlng, {
              radius: 8,
              color: "#1b1f24",
              weight: 1.5,
              fillColor: colour,
              fillOpacity: 0.9,
            });
          },
          onEachFeature: function (feature, marker) {
            var props = feature.properties || {};
            marker.bindPopup(popup(props, labels));
            if (props.name) marker.bindTooltip(props.name);
          },
        }).addTo(map);
        var count = layer.getLayers().length;
        container.dataset.markers = String(count);
        if (count === 1) {
          map.setView(layer.getLayers()[0].getLatLng(), singleZoom);
        } else if (count > 1) {
          map.fitBounds(layer.getBounds(), { padding: [32, 32], maxZoom: 16 });
        } else {
          note(container, labels.empty || "");
        }
        container.dataset.loaded = "1";
      })
      .catch(function () {
        container.dataset.loaded = "error";
        note(container, labels.data_failed || "");
      });
  }

  function init() {
    // The legend's swatches take the markers' colours (the legend shows only with the map).
    document.querySelectorAll(".map-legend .swatch[data-colour]").forEach(function (swatch) {
      swatch.style.backgroundColor = swatch.getAttribute("data-colour");
    });
    if (!window.L) return; // Leaflet missing: the list is still there
    document.querySelectorAll(".library-map[data-geojson]").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
