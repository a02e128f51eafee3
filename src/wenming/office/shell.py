from django.utils.translation import gettext_lazy as _

from wenming.core.shell import MenuEntry

MENU = [MenuEntry(_("Dashboard"), "office:dashboard", "office.view_dashboard", "◉", order=0)]
