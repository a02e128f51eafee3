"""Open311 GeoReport v2, mounted at /open311/v2/ (see README.md beside this file)."""

from django.urls import path, re_path

from wenming.open311 import views

app_name = "open311"

FMT = r"(?P<fmt>xml|json)"
# Path values: anything but a slash (checked again in the views).
VALUE = r"[^/]+?"

urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services\.{FMT}$", views.service_list, name="services"),
    re_path(rf"^services/(?P<code>{VALUE})\.{FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests\.{FMT}$", views.requests, name="requests"),
    re_path(rf"^requests/(?P<number>{VALUE})\.{FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>{VALUE})\.{FMT}$", views.token, name="token"),
    path("openapi.json", views.openapi, name="openapi"),
    path("media/<str:number>/<int:photo>.jpg", views.media, name="media"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
