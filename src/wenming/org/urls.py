from django.urls import path

from wenming.org import views

app_name = "org"
urlpatterns = [
    path("map/", views.map_view, name="map"),
    path("areas/", views.area_list, name="area_list"),
    path("areas.geojson", views.areas_geojson, name="areas_geojson"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("locate/", views.locate_view, name="locate"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/<str:username>/", views.person_detail, name="person_detail"),
    path("switch-unit/", views.switch_unit, name="switch_unit"),
]
