import rules

from wenming.org.rules import is_back_office_user

rules.add_perm("office.view_dashboard", is_back_office_user)
