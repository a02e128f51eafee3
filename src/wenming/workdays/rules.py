import rules

from wenming.org.rules import is_campaign_office_staff

# The campaign office enters each year's official holidays (in the admin) and is warned while one is missing.
rules.add_perm("workdays.keep_calendar", is_campaign_office_staff)
