"""Points (积分): given by rules the campaign office edits, written to a ledger, never twice for one thing."""

from datetime import timedelta

from django.utils import timezone

from wenming.participation.models import Citizen, PointEntry, PointRule
from wenming.participation.services import points


def test_an_award_is_written_to_the_ledger_with_the_balance(resident):
    first = points.award(resident, "report_valid", "case:1")
    second = points.award(resident, "questionnaire_answered", "questionnaire:1")
    assert (first.points, first.balance) == (10, 10)
    assert (second.points, second.balance) == (2, 12)
    assert Citizen.objects.get(user=resident).points == 12
    assert [e.reason for e in points.ledger(resident.citizen)] == ["参与问卷调查", "随手拍问题被受理"]


def test_the_same_thing_never_earns_twice(resident):
    assert points.award(resident, "report_valid", "case:1") is not None
    assert points.award(resident, "report_valid", "case:1") is None
    assert PointEntry.objects.count() == 1 and Citizen.objects.get(user=resident).points == 10


def test_the_daily_limit_holds_and_the_next_day_counts_again(resident):
    rule = PointRule.objects.get(code="report_valid")
    rule.daily_limit = 2
    rule.save()
    now = timezone.now()
    awarded = [points.award(resident, "report_valid", f"case:{n}", now=now) for n in range(3)]
    assert [a is not None for a in awarded] == [True, True, False]
    assert points.award(resident, "report_valid", "case:9", now=now + timedelta(days=1)) is not None


def test_inactive_rules_unknown_rules_and_people_without_an_account_earn_nothing(city, resident):
    PointRule.objects.filter(code="report_valid").update(is_active=False)
    assert points.award(resident, "report_valid", "case:1") is None
    assert points.award(resident, "no_such_rule", "x:1") is None
    assert points.award(None, "questionnaire_answered", "questionnaire:1") is None
    staff = city.users["department_handler"]  # no portal account yet
    assert points.award(staff, "questionnaire_answered", "questionnaire:1") is None
    assert not PointEntry.objects.exists()


def test_the_campaign_office_changes_a_rule_in_the_admin(city, resident, login):
    rule = PointRule.objects.get(code="report_valid")
    client = login(city.users["campaign_admin"])
    response = client.post(
        f"/admin/participation/pointrule/{rule.pk}/change/",
        {"name": rule.name, "points": 20, "daily_limit": 3, "is_active": "on"},
    )
    assert response.status_code == 302
    assert points.award(resident, "report_valid", "case:1").points == 20
    # The ledger can be read there but not written.
    assert client.get("/admin/participation/pointentry/").status_code == 200
    assert client.get("/admin/participation/pointentry/add/").status_code == 403
