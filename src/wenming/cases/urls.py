from django.urls import path

from wenming.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("map/", views.case_map, name="map"),
    path("points.geojson", views.case_points, name="points"),
    path("new/", views.case_new, name="new"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk_dispatch"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/photos/<int:pk>/<str:variant>/", views.photo, name="photo"),
    path("<str:number>/<str:action>/", views.case_action, name="action"),
]
