import rules

from wenming.org.rules import is_back_office_user, is_campaign_office_admin, is_superuser_without_role

rules.add_perm("coverage.browse_coverage", is_back_office_user)
# Recomputing takes the server a while: the campaign office decides when.
rules.add_perm("coverage.recompute", is_superuser_without_role | is_campaign_office_admin)
