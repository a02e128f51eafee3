"""Who may run the portal's back-office side: moderation, solicitations, questionnaires, accounts."""

import rules

from wenming.org.rules import (
    is_back_office_user,
    is_campaign_office_admin,
    is_campaign_office_staff,
    is_superuser_without_role,
)

# An admin acting for a campaign office, or the server's administrator: moderates, runs solicitations.
is_campaign_admin = is_superuser_without_role | is_campaign_office_admin

# Anyone acting for a campaign office (admin, handler, leader), or a superuser: blocks accounts,
# builds questionnaires and reads their results.
is_campaign_staff = rules.is_superuser | is_campaign_office_staff

rules.add_perm("participation.browse_citizens", is_campaign_staff)
rules.add_perm("participation.build_questionnaires", is_campaign_staff)
rules.add_perm("participation.browse_suggestions", is_back_office_user)
rules.add_perm("participation.moderate", is_campaign_admin)
rules.add_perm("participation.run_solicitations", is_campaign_admin)
