"""questionnaires pages of the citizen portal and the back office."""

routes = []
office_routes = []
