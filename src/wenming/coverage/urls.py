from django.urls import path

from wenming.coverage import views

app_name = "coverage"
urlpatterns = [
    path("", views.coverage_page, name="coverage"),
    path("recompute/", views.recompute, name="recompute"),
    path("network.geojson", views.network_json, name="network_json"),
    path("parcels.geojson", views.parcels_json, name="parcels_json"),
    path("parks.geojson", views.parks_json, name="parks_json"),
    path("sites.geojson", views.sites_json, name="sites_json"),
]
