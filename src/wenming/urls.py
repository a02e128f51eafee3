from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from wenming.api import api

# Admin pages of models that moved to another app: the old addresses lead to the new ones.
MOVED_ADMIN = {
    "cases/holiday": "workdays/holiday",
    "cases/calendaryear": "workdays/calendaryear",
    **{f"geo/{model}": f"coverage/{model}" for model in ("coveragerule", "dataset", "run")},
}

urlpatterns = [
    *(
        re_path(rf"^admin/{old}/(?P<rest>.*)$", RedirectView.as_view(url=f"/admin/{new}/%(rest)s", query_string=True))
        for old, new in MOVED_ADMIN.items()
    ),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("office/org/", include("wenming.org.urls")),
    path("office/cases/notifications/", include("wenming.notifications.urls")),
    path("office/cases/", include("wenming.cases.urls")),
    path("office/coverage/", include("wenming.coverage.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("wenming.open311.urls")),
    path("office/participation/", include("wenming.participation.office_urls")),
    path("", include("wenming.office.urls")),
    path("", include("wenming.participation.urls")),
]
