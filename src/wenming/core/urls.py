from django.urls import path

from wenming.core import views

app_name = "core"
urlpatterns = [
    path("office/", views.dashboard, name="dashboard"),
]
