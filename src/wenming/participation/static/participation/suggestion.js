/* 献一计 form: the place from a tap on the map or the phone (optional, removable), a check of the
   number of photos, and one submission however often the button is pressed. Similar suggestions
   are fetched by htmx attributes on the title and text. */
(function () {
  "use strict";
  var form = document.getElementById("sg-form");
  if (!form) return;
  var text = JSON.parse(document.getElementById("sg-i18n").textContent);
  var problem = document.getElementById("form-error");
  if (problem) problem.focus();  // screen readers read what went wrong first
  var lon = document.getElementById("sg-lon"), lat = document.getElementById("sg-lat");
  var status = document.getElementById("sg-location-status");
  var clear = document.getElementById("sg-clear-location");
  var map = wenmingMap.picker(document.getElementById("sg-map"), lon, lat);

  function say(message) { status.textContent = message; }
  function showMarker(visible) {
    map.eachLayer(function (layer) {
      if (layer instanceof L.CircleMarker) layer.setStyle({ opacity: visible ? 1 : 0, fillOpacity: visible ? 1 : 0 });
    });
  }
  lon.addEventListener("change", function () { showMarker(true); clear.hidden = false; say(text.chosen); });
  clear.addEventListener("click", function () {
    lon.value = ""; lat.value = "";
    showMarker(false); clear.hidden = true; say("");
  });
  document.getElementById("sg-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { say(text.denied); return; }
    say(text.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      map.placePoint(pos.coords.longitude, pos.coords.latitude, 16);
      say(text.located);
    }, function () { say(text.denied); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  var photos = document.getElementById("sg-photos"), photoStatus = document.getElementById("sg-photos-status");
  var maxPhotos = parseInt(form.dataset.maxPhotos, 10);
  photos.addEventListener("change", function () {
    photoStatus.textContent = photos.files.length > maxPhotos ? text.tooMany : "";
  });

  var submit = document.getElementById("sg-submit"), label = submit.textContent;
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    submit.disabled = true;
    submit.textContent = text.sending;
  });
  // Back from the next page (bfcache): the form can be sent again.
  window.addEventListener("pageshow", function () { delete form.dataset.sent; submit.disabled = false; submit.textContent = label; });
})();
