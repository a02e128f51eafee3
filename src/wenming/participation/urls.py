"""The citizen portal, at the site's root. Each part of the portal declares its routes in its views module."""

from wenming.participation.views import accounts, home, questionnaires, reports, solicitations, suggestions

app_name = "participation"
urlpatterns = [
    *home.routes,
    *accounts.routes,
    *reports.routes,
    *suggestions.routes,
    *solicitations.routes,
    *questionnaires.routes,
]
