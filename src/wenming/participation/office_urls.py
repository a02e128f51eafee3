"""The back office side of the portal: moderation, replies, solicitations, questionnaires, points rules."""

from wenming.participation.views import accounts, questionnaires, reports, solicitations, suggestions

app_name = "participation_office"
urlpatterns = [
    *accounts.office_routes,
    *reports.office_routes,
    *suggestions.office_routes,
    *solicitations.office_routes,
    *questionnaires.office_routes,
]
