/* The indicator page's map: one circle marker per library, coloured by the server (GeoJSON property
   `color`: the library's value against the target). The tables above and below hold every figure, so a
   missing Leaflet, failing tiles or a failed request leave a message, never a broken page. */
(function () {
  "use strict";

  function message(box, text) {
    box.textContent = "";
    const p = document.createElement("p");
    p.className = "mis-map-message";
    p.textContent = text;
    box.appendChild(p);
  }

  function popup(props, sourceLabel) {
    const wrap = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = props.name;
    wrap.appendChild(title);
    const lines = [props.kind, props.display + (props.counts ? " (" + props.counts + ")" : ""), props.status_label];
    for (const line of lines) {
      if (!line) continue;
      wrap.appendChild(document.createElement("br"));
      wrap.appendChild(document.createTextNode(line));
    }
    if (props.url && sourceLabel) {
      wrap.appendChild(document.createElement("br"));
      const link = document.createElement("a");
      link.href = props.url;
      link.textContent = sourceLabel;
      wrap.appendChild(link);
    }
    return wrap;
  }

  function start() {
    const box = document.getElementById("mis-map");
    if (!box) return;
    // The page's words, translated by the server.
    const failed = box.dataset.failed || "";
    const sourceLabel = box.dataset.sourceLabel || "";
    if (typeof window.L === "undefined") {
      message(box, failed);
      return;
    }
    box.textContent = "";
    const map = window.L.map(box, { scrollWheelZoom: false }).setView([16.0, 106.0], 5);
    if (box.dataset.tiles) {
      // A tile that fails to load leaves its square blank; the markers are drawn regardless.
      window.L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution || "" }).addTo(map);
    }
    fetch(box.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        const layer = window.L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            const props = feature.properties || {};
            return window.L.circleMarker(latlng, {
              radius: 8, color: "#1b1f24", weight: 1, fillColor: props.color || "#6b7580", fillOpacity: 0.9,
            });
          },
          onEachFeature: function (feature, marker) {
            const props = feature.properties || {};
            marker.bindPopup(popup(props, sourceLabel));
            // A string would be read as HTML: library names are typed by people, so pass a text node.
            const tip = document.createElement("span");
            tip.textContent = props.name + ": " + props.display;
            marker.bindTooltip(tip);
          },
        }).addTo(map);
        const count = (data.features || []).length;
        box.dataset.markers = String(count);
        if (count) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 12 });
      })
      .catch(function () {
        box.dataset.markers = "0";
        message(box, failed);
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
