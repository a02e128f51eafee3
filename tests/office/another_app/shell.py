import rules

from wenming.core.shell import Card, MenuEntry
from wenming.org.rules import is_campaign_office_staff

rules.set_perm("another_app.see_volunteers", is_campaign_office_staff)

MENU = [MenuEntry("志愿服务", "cases:map", "another_app.see_volunteers", "♥", order=60)]
CARDS = [Card("another_app/_card.html", lambda request: {"on_duty": 42}, "another_app.see_volunteers", order=50)]
