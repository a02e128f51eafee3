/* The coverage map and page: drawn from our own data only (no tile server). */
(function () {
  "use strict";
  var AREA = {
    district: { color: "#b3121b", weight: 2.2, fill: false },
    street: { color: "#3d5a80", weight: 1, dashArray: "3 3", fill: false },
  };
  var STREET = {
    main: { color: "#4a4f57", weight: 2.4 },
    branch: { color: "#6b7079", weight: 1.7 },
    local: { color: "#a7abb2", weight: 1 },
    commercial: { color: "#b0772a", weight: 1.3 },
    path: { color: "#b9bdc3", weight: 0.8, dashArray: "2 3" },
  };
  var BAND = { covered: "#2e7d32", partly: "#f0a030", uncovered: "#c0392b" };
  var GAP = { bin: "#d7191c", toilet: "#6a3d9a" };
  var DETAIL_ZOOM = 15;

  function load(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  }

  // Rounded shares: 1 is all of the parcel, 0 none of it.
  function band(share) {
    if (share === undefined || share === null) return null;
    return share >= 0.999 ? "covered" : share > 0 ? "partly" : "uncovered";
  }

  function pct(x) { return (Math.round(x * 1000) / 10).toFixed(1) + " %"; }

  // Names come from OpenStreetMap and city lists: always text, never HTML.
  function text(tag, content) { var el = document.createElement(tag); el.textContent = content; return el; }

  function areaLayer(data, level) {
    return L.geoJSON(data, {
      style: function () { return AREA[level]; },
      interactive: level === "district",
      onEachFeature: function (f, layer) {
        if (level === "district") layer.bindTooltip(text("span", f.properties.name), { permanent: true, direction: "center", className: "area-label district" });
      },
    });
  }

  function networkLayer(data, only) {
    return L.geoJSON(data, {
      interactive: false,
      filter: function (f) { return !only || only.indexOf(f.properties.street_class) >= 0; },
      style: function (f) { return STREET[f.properties.street_class] || STREET.local; },
    });
  }

  function candidateMarker(f, t) {
    var p = f.properties;
    // A site ranked for both a park and a toilet shows both numbers side by side.
    var icon = L.divIcon({ className: "cov-rank " + p.purpose, html: String(p.rank), iconSize: [22, 22],
                           iconAnchor: p.purpose === "toilet" ? [-1, 11] : [23, 11] });
    var marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], { icon: icon, keyboard: false, title: p.rank + ". " + p.name });
    var box = document.createElement("div");
    box.appendChild(text("strong", p.rank + ". " + (p.name || "–")));
    box.appendChild(text("div", t[p.purpose] + " · " + t.gain + " " + p.gain_m2.toLocaleString() + " m² (+" + p.gain_pct + ") · " + t.coverageAfter + " " + p.coverage_pct + " %"));
    marker.bindPopup(box);
    return marker;
  }

  function gapMarker(f, t) {
    var p = f.properties;
    var marker = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
      radius: 5, color: "#fff", weight: 1, fillColor: GAP[p.kind] || GAP.bin, fillOpacity: 0.95,
    });
    marker.bindTooltip(text("span", (p.street || "–") + " · " + t.length + " " + p.length_m + " m · " + t.spacing + " " + p.spacing_m + " m"));
    return marker;
  }

  function coverage(el, t) {
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, preferCanvas: true, minZoom: 5, maxZoom: 19 });
    window.wenmingMap.last = map; // for scripts and tests that need the map object
    el.style.background = "#f4f1ea";
    map.setView([40.8, 111.7], 10); // a canvas map needs a view before its first layer

    var tier = document.getElementById("cov-tier");
    var methods = document.querySelectorAll("input[name=cov-method]");
    var note = document.getElementById("cov-map-note");
    var parcels = null;

    function column() {
      var method = "network";
      methods.forEach(function (m) { if (m.checked) method = m.value; });
      return (tier ? tier.value : "park") + "." + method;
    }

    function restyle() {
      if (!parcels) return;
      var key = column(), counts = { covered: 0, partly: 0, uncovered: 0 };
      parcels.setStyle(function (f) {
        var b = band(f.properties.shares[key]);
        if (b) counts[b] += 1;
        return { color: "#555", weight: 0.6, fillColor: b ? BAND[b] : "#ccc", fillOpacity: 0.7 };
      });
      Object.keys(counts).forEach(function (b) {
        var out = document.querySelector("[data-count=" + b + "]");
        if (out) out.textContent = "(" + counts[b] + ")";
      });
      el.dataset.column = key;
      el.dataset.bands = [counts.covered, counts.partly, counts.uncovered].join(",");
    }

    function truncated(data) { if (data.truncated && note) note.hidden = false; return data; }

    var layers = {
      network: L.featureGroup(), detail: L.featureGroup(), parks: L.featureGroup(), parcels: L.featureGroup(),
      districts: L.featureGroup(), streets: L.featureGroup(), candidates: L.featureGroup(),
      binGaps: L.featureGroup(), toiletGaps: L.featureGroup(),
    };
    var streetNet = L.featureGroup([layers.network, layers.detail]);
    [streetNet, layers.parks, layers.parcels, layers.streets, layers.districts, layers.binGaps, layers.toiletGaps, layers.candidates]
      .forEach(function (g) { g.addTo(map); });
    var overlays = {};
    overlays[t.network] = streetNet;
    overlays[t.parks] = layers.parks;
    overlays[t.parcels] = layers.parcels;
    overlays[t.districts] = layers.districts;
    overlays[t.streets] = layers.streets;
    overlays[t.candidates] = layers.candidates;
    overlays[t.binGaps] = layers.binGaps;
    overlays[t.toiletGaps] = layers.toiletGaps;
    var control = L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);

    var omitted = [];
    var jobs = [
      load(el.dataset.network).then(truncated).then(function (data) {
        omitted = data.omitted || [];
        networkLayer(data).addTo(layers.network);
      }),
      load(el.dataset.parks).then(truncated).then(function (data) {
        L.geoJSON(data, {
          style: { color: "#2e7d32", weight: 1, fillColor: "#7cc47f", fillOpacity: 0.75 },
          onEachFeature: function (f, layer) {
            layer.bindTooltip(text("span", (f.properties.name || "–") + " · " + Math.round(f.properties.area_m2).toLocaleString() + " m²"));
          },
        }).addTo(layers.parks);
      }),
      load(el.dataset.parcels).then(truncated).then(function (data) {
        parcels = L.geoJSON(data, {
          onEachFeature: function (f, layer) {
            layer.bindTooltip(function () {
              var share = f.properties.shares[column()];
              return text("span", (f.properties.name || "–") + " · " + t.covered + " " + (share === undefined ? "–" : pct(share)));
            });
          },
        }).addTo(layers.parcels);
        el.dataset.parcels = String(data.features.length);
        restyle();
      }),
      load(el.dataset.sites).then(truncated).then(function (data) {
        data.features.forEach(function (f) {
          if (f.properties.layer === "candidate") candidateMarker(f, t).addTo(layers.candidates);
          else gapMarker(f, t).addTo(f.properties.kind === "toilet" ? layers.toiletGaps : layers.binGaps);
        });
      }),
      load(el.dataset.areas + "?level=street").then(function (data) { areaLayer(data, "street").addTo(layers.streets); }),
      load(el.dataset.areas + "?level=district").then(function (data) { areaLayer(data, "district").addTo(layers.districts); }),
    ];
    Promise.all(jobs.map(function (job) { return job.catch(function (e) { console.error(e); }); })).then(function () {
      // Frame what was measured; the outlines are context, unless nothing else is drawn.
      var bounds = L.latLngBounds([]);
      [layers.network, layers.parcels, layers.parks].forEach(function (g) {
        var b = g.getBounds();
        if (b.isValid()) bounds.extend(b);
      });
      if (!bounds.isValid()) bounds = layers.districts.getBounds();
      // Keep the data clear of the layer switch in the top right corner.
      var aside = control.getContainer().offsetWidth + 20;
      if (bounds.isValid()) map.fitBounds(bounds, { paddingTopLeft: [16, 16], paddingBottomRight: [aside, 16] });
      layers.districts.bringToFront();
      el.dataset.ready = "1";
    });

    // A large network sends its main streets only; the rest comes by box when zoomed in.
    var asked = 0;
    map.on("moveend", function () {
      if (!omitted.length) return;
      var mine = ++asked;
      if (map.getZoom() < DETAIL_ZOOM) { layers.detail.clearLayers(); return; }
      var b = map.getBounds();
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
      load(el.dataset.network + "?bbox=" + box).then(function (data) {
        if (mine !== asked) return;
        layers.detail.clearLayers();
        networkLayer(data, omitted).addTo(layers.detail);
      }).catch(function (e) { console.error(e); });
    });

    if (tier) tier.addEventListener("change", restyle);
    methods.forEach(function (m) { m.addEventListener("change", restyle); });
    return map;
  }

  // The table: a district's streets fold under it.
  function foldStreets() {
    document.querySelectorAll(".cov-toggle").forEach(function (button) {
      button.addEventListener("click", function () {
        var body = button.closest("tbody");
        var open = body.classList.toggle("collapsed") === false;
        button.setAttribute("aria-expanded", String(open));
      });
    });
  }

  // Recomputing takes a while: say so, and do not start it twice.
  function guardRecompute() {
    document.querySelectorAll("form.cov-recompute").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button");
        button.disabled = true;
        button.textContent = form.dataset.busy;
      });
    });
  }

  window.wenmingMap = window.wenmingMap || {};
  window.wenmingMap.coverage = function (el, t) {
    foldStreets();
    guardRecompute();
    return el ? coverage(el, t) : null;
  };
})();
