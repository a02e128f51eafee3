/* Maps drawn from our own boundaries only: no tile server, works offline. */
(function () {
  "use strict";
  var STYLE = {
    city: { color: "#7a1016", weight: 3, fill: false },
    district: { color: "#b3121b", weight: 2.5, fillColor: "#fde8e4", fillOpacity: 0.35 },
    street: { color: "#3d5a80", weight: 1.2, fillOpacity: 0 },
    community: { color: "#5c7d4a", weight: 1, fillOpacity: 0 },
    grid: { color: "#8a8a8a", weight: 0.6, fillOpacity: 0 },
  };

  function baseMap(el) {
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, preferCanvas: true });
    window.wenmingMap.last = map; // for scripts and tests that need the map object
    el.style.background = "#f4f1ea";
    return map;
  }

  function load(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function layerFor(data, level, labels) {
    return L.geoJSON(data, {
      style: function (f) {
        var s = Object.assign({}, STYLE[level]);
        if (f.properties.generated) s.dashArray = "4 3";
        return s;
      },
      onEachFeature: function (f, layer) {
        if (labels) layer.bindTooltip(f.properties.name, { permanent: level === "district", direction: "center", className: "area-label " + level });
        else layer.bindTooltip(f.properties.name);
      },
    });
  }

  function anyGenerated(data) {
    return data.features.some(function (f) { return f.properties.generated; });
  }

  window.wenmingMap = {
    areas: function (el, text) {
      var map = baseMap(el);
      var levels = (el.dataset.levels || "district").split(",");
      var url = el.dataset.geojson;
      var group = L.featureGroup().addTo(map);
      Promise.all(levels.map(function (lvl) { return load(url + "?level=" + lvl); })).then(function (all) {
        var generated = false;
        // Draw finer levels first so district outlines stay on top.
        all.slice().reverse().forEach(function (data, i) {
          var lvl = levels[levels.length - 1 - i];
          layerFor(data, lvl, true).addTo(group);
          generated = generated || anyGenerated(data);
        });
        if (group.getLayers().length && group.getBounds().isValid()) map.fitBounds(group.getBounds());
        else map.setView([40.8, 111.7], 9);
        document.getElementById("generated-note").hidden = !generated;
        el.dataset.ready = "1";
      });
      var marker = null;
      map.on("click", function (e) {
        var out = document.getElementById("locate-result");
        if (marker) marker.remove();
        marker = L.circleMarker(e.latlng, { radius: 6, color: "#111" }).addTo(map);
        load(el.dataset.locate + "?lon=" + e.latlng.lng.toFixed(6) + "&lat=" + e.latlng.lat.toFixed(6))
          .then(function (res) {
            out.innerHTML = "";
            res.chain.forEach(function (a) {
              var li = document.createElement("li");
              li.textContent = (text.levels[a.level] || a.level) + ": " + a.name + " (" + a.code + ")";
              out.appendChild(li);
            });
          })
          .catch(function () { out.innerHTML = ""; var li = document.createElement("li"); li.textContent = text.outside; out.appendChild(li); });
      });
      return map;
    },
    area: function (el) {
      var map = baseMap(el);
      var url = el.dataset.geojson, code = el.dataset.focus, level = el.dataset.level;
      var order = ["city", "district", "street", "community", "grid"];
      var child = order[order.indexOf(level) + 1];
      var group = L.featureGroup().addTo(map);
      var jobs = [load(url + "?level=" + level + "&parent=" + code)];
      if (child) jobs.push(load(url + "?level=" + child + "&parent=" + code));
      Promise.all(jobs).then(function (all) {
        if (all[1]) layerFor(all[1], child, false).addTo(group);
        var own = { type: "FeatureCollection", features: all[0].features.filter(function (f) { return f.properties.code === code; }) };
        layerFor(own, level === "city" ? "city" : "district", false).addTo(group);
        if (group.getBounds().isValid()) map.fitBounds(group.getBounds());
        el.dataset.ready = "1";
      });
      return map;
    },
  };
})();
