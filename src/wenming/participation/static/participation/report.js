/* 随手拍 form: photos with previews, location from the phone, from a photo's GPS or a tap on the map,
   nearby reports of the same kind, and one submission however often the button is pressed. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var text = JSON.parse(document.getElementById("report-i18n").textContent);
  var lonInput = document.getElementById("f-lon"), latInput = document.getElementById("f-lat");
  var status = document.getElementById("location-status");
  var map = wenmingMap.picker(document.getElementById("map"), lonInput, latInput);
  var located = !!lonInput.value;

  function say(message) { status.textContent = message; }

  // Nearby reports, once both a kind and a place are chosen.
  function refreshNearby() {
    var checked = form.querySelector("input[name=category]:checked");
    if (!checked || !lonInput.value || !latInput.value) return;
    var url = form.dataset.nearby + "?category=" + encodeURIComponent(checked.value) +
      "&lon=" + encodeURIComponent(lonInput.value) + "&lat=" + encodeURIComponent(latInput.value);
    htmx.ajax("GET", url, { target: "#nearby", swap: "innerHTML" });
  }
  lonInput.addEventListener("change", function () { located = true; refreshNearby(); });
  form.querySelectorAll("input[name=category]").forEach(function (input) { input.addEventListener("change", refreshNearby); });

  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { say(text.denied); return; }
    say(text.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      map.placePoint(pos.coords.longitude, pos.coords.latitude, 17);
      say(text.located);
    }, function () { say(text.denied); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // The GPS position a phone camera writes into a JPEG's EXIF block (WGS-84 degrees), or null.
  function exifPosition(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
    var offset = 2;
    while (offset + 4 < view.byteLength) {
      var marker = view.getUint16(offset), size = view.getUint16(offset + 2);
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) return readTiff(view, offset + 10);
      if ((marker & 0xff00) !== 0xff00) return null;
      offset += 2 + size;
    }
    return null;
  }
  function readTiff(view, start) {
    var little = view.getUint16(start) === 0x4949;
    function u16(at) { return view.getUint16(start + at, little); }
    function u32(at) { return view.getUint32(start + at, little); }
    function entries(ifd) {
      var found = {}, count = u16(ifd);
      for (var i = 0; i < count; i++) {
        var at = ifd + 2 + i * 12;
        found[u16(at)] = { type: u16(at + 2), count: u32(at + 4), at: at + 8 };
      }
      return found;
    }
    function rationals(entry) {
      var at = u32(entry.at), values = [];
      for (var i = 0; i < entry.count; i++) values.push(u32(at + i * 8) / (u32(at + i * 8 + 4) || 1));
      return values;
    }
    function degrees(entry, ref, negative) {
      if (!entry) return null;
      var v = rationals(entry);
      var d = v[0] + (v[1] || 0) / 60 + (v[2] || 0) / 3600;
      return String.fromCharCode(view.getUint8(start + ref.at)) === negative ? -d : d;
    }
    try {
      var gpsPointer = entries(u32(4))[0x8825];
      if (!gpsPointer) return null;
      var gps = entries(u32(gpsPointer.at));
      if (!gps[1] || !gps[3]) return null;
      var lat = degrees(gps[2], gps[1], "S"), lon = degrees(gps[4], gps[3], "W");
      if (lat === null || lon === null || (lat === 0 && lon === 0)) return null;
      return [lon, lat];
    } catch (e) { return null; }
  }

  var photos = document.getElementById("f-photos"), previews = document.getElementById("previews");
  var maxPhotos = parseInt(form.dataset.maxPhotos, 10) || 9;
  photos.addEventListener("change", function () {
    previews.innerHTML = "";
    var files = Array.prototype.slice.call(photos.files);
    if (files.length > maxPhotos) say(text.tooMany);
    files.slice(0, maxPhotos).forEach(function (file, i) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      previews.appendChild(img);
      if (!located && i === 0 && file.slice) {
        file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
          var at = exifPosition(buffer);
          if (at && !located) { map.placePoint(at[0], at[1], 17); say(text.fromPhoto); }
        });
      }
    });
  });

  // A double tap sends once; the form's key makes a resent request harmless anyway.
  form.addEventListener("submit", function (e) {
    var button = document.getElementById("submit");
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    button.textContent = text.sending;
    button.setAttribute("aria-disabled", "true");
  });

  var error = document.getElementById("form-error");
  if (error) error.focus();
})();
