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
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, preferCanvas: true, minZoom: 5, maxZoom: 19 });
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

  // District and street outlines; resolves to whether any is generated.
  function drawAreas(map, el) {
    var levels = (el.dataset.levels || "district").split(",");
    var group = L.featureGroup().addTo(map);
    return Promise.all(levels.map(function (lvl) { return load(el.dataset.geojson + "?level=" + lvl); })).then(function (all) {
      var generated = false;
      // Finer levels first so that district outlines stay on top.
      all.slice().reverse().forEach(function (data, i) {
        var lvl = levels[levels.length - 1 - i];
        layerFor(data, lvl, true).addTo(group);
        generated = generated || anyGenerated(data);
      });
      if (group.getLayers().length && group.getBounds().isValid()) map.fitBounds(group.getBounds());
      else map.setView([40.8, 111.7], 9);
      return generated;
    });
  }

  var CASE_COLOURS = { late: "#c0392b", open: "#e67e22", done: "#2e7d32" };
  var FINISHED = ["closed", "evaluated", "rejected", "merged"];

  window.wenmingMap = {
    areas: function (el, text) {
      var map = baseMap(el);
      drawAreas(map, el).then(function (generated) {
        var note = document.getElementById("generated-note");
        if (note) note.hidden = !generated;
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
    cases: function (el, text) {
      var map = baseMap(el);
      drawAreas(map, el).then(function () {
        return load(el.dataset.points);
      }).then(function (data) {
        var cluster = L.markerClusterGroup({ maxClusterRadius: 45 });
        data.features.forEach(function (f) {
          var p = f.properties;
          var kind = p.overdue ? "late" : FINISHED.indexOf(p.status) >= 0 ? "done" : "open";
          var marker = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
            radius: 7, color: "#fff", weight: 1.5, fillColor: CASE_COLOURS[kind], fillOpacity: 0.95,
          });
          var link = document.createElement("a");
          link.href = p.url;
          link.textContent = p.number + " · " + p.category + " · " + p.status_label;
          marker.bindPopup(link);
          cluster.addLayer(marker);
        });
        map.addLayer(cluster);
        var count = document.getElementById("points-count");
        if (count) count.textContent = data.features.length + " " + text.shown;
        el.dataset.ready = "1";
      });
      return map;
    },
    point: function (el) {
      var map = baseMap(el);
      var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
      map.setView(at, 16); // a canvas map needs its view before any layer
      var draw = el.dataset.focus
        ? load(el.dataset.geojson + "?level=" + el.dataset.level + "&parent=" + el.dataset.focus).then(function (data) {
            layerFor(data, "street", false).addTo(map);
          })
        : Promise.resolve();
      draw.catch(function () {}).then(function () {
        L.circleMarker(at, { radius: 8, color: "#fff", weight: 2, fillColor: "#b3121b", fillOpacity: 1 }).addTo(map);
        el.dataset.ready = "1";
      });
      return map;
    },
    picker: function (el, lonInput, latInput) {
      var map = baseMap(el);
      var marker = null;
      function place(latlng) {
        if (marker) marker.setLatLng(latlng);
        else marker = L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#b3121b", fillOpacity: 1 }).addTo(map);
      }
      drawAreas(map, el).then(function () {
        var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
        if (!isNaN(lon) && !isNaN(lat)) { place([lat, lon]); map.setView([lat, lon], 15); }
        el.dataset.ready = "1";
      });
      // Set the point from elsewhere (the phone's location, a photo's GPS); tells listeners on lonInput.
      map.placePoint = function (lon, lat, zoom) {
        lonInput.value = Number(lon).toFixed(6);
        latInput.value = Number(lat).toFixed(6);
        place([lat, lon]);
        if (zoom) map.setView([lat, lon], zoom);
        lonInput.dispatchEvent(new Event("change", { bubbles: true }));
      };
      map.on("click", function (e) {
        map.placePoint(e.latlng.lng, e.latlng.lat);
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
