from django.urls import path

from wenming.core import views

app_name = "core"
urlpatterns = [
    path("", views.portal, name="portal"),
    path("office/", views.dashboard, name="dashboard"),
]
