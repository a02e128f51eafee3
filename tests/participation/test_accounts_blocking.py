"""The campaign office blocks abusive accounts: they may read, no longer post; each decision is kept."""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import PASSWORD
from wenming.cases.models import Category
from wenming.cases.services import intake
from wenming.notifications.models import Notification
from wenming.org import services as org
from wenming.org.models import Role
from wenming.participation.models import Citizen, ModerationEvent
from wenming.participation.services import accounts


@pytest.fixture
def office(city, client):
    """The city campaign office admin, reading in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(city.users["campaign_admin"])
    return client


def citizen_of(user) -> Citizen:
    return Citizen.objects.get(user=user)


def test_the_campaign_office_blocks_and_unblocks_an_account(office, city, resident):
    citizen = citizen_of(resident)
    response = office.post(
        reverse("participation_office:citizen_block", args=[citizen.pk]), {"reason": " 多次发布辱骂内容 "}
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.is_blocked and citizen.blocked_reason == "多次发布辱骂内容"
    event = ModerationEvent.objects.get(citizen=citizen)
    assert (event.action, event.reason, event.by) == ("block", "多次发布辱骂内容", city.users["campaign_admin"])
    assert Notification.objects.filter(user=resident, body="多次发布辱骂内容").exists()  # the person is told why
    page = office.get(reverse("participation_office:citizen_detail", args=[citizen.pk])).content.decode()
    assert "多次发布辱骂内容" in page and "Account blocked" in page

    response = office.post(reverse("participation_office:citizen_unblock", args=[citizen.pk]))
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert not citizen.is_blocked and citizen.blocked_reason == ""
    assert list(ModerationEvent.objects.filter(citizen=citizen).values_list("action", flat=True)) == [
        "unblock",
        "block",
    ]


def test_a_block_needs_a_reason(office, resident):
    citizen = citizen_of(resident)
    for reason in ("", "   ", "长" * 201):
        response = office.post(reverse("participation_office:citizen_block", args=[citizen.pk]), {"reason": reason})
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.content.decode()
    citizen.refresh_from_db()
    assert not citizen.is_blocked and not ModerationEvent.objects.exists()


def test_blocking_twice_or_unblocking_an_open_account_is_a_conflict(office, resident):
    citizen = citizen_of(resident)
    assert office.post(reverse("participation_office:citizen_unblock", args=[citizen.pk])).status_code == 409
    office.post(reverse("participation_office:citizen_block", args=[citizen.pk]), {"reason": "广告"})
    response = office.post(reverse("participation_office:citizen_block", args=[citizen.pk]), {"reason": "again"})
    assert response.status_code == 409 and "This account is already blocked." in response.content.decode()
    assert ModerationEvent.objects.count() == 1


def test_a_campaign_office_handler_may_block(city, resident, client):
    handler = org.create_person(
        username="ccb_handler",
        real_name="办事员",
        password=PASSWORD,
        role=Role.HANDLER,
        unit=city.units["CCB"],
        phone="13800009999",
    )
    client.force_login(handler)
    assert client.get(reverse("participation_office:citizen_list")).status_code == 200
    citizen = citizen_of(resident)
    assert (
        client.post(reverse("participation_office:citizen_block", args=[citizen.pk]), {"reason": "刷屏"}).status_code
        == 302
    )
    assert citizen_of(resident).is_blocked


@pytest.mark.parametrize(
    "who", ["street_handler", "department_handler", "district_leader", "inspector", "group_lead", "citizen"]
)
def test_others_may_not_see_or_block_citizens(city, resident, client, who):
    client.force_login(city.users[who])
    citizen = citizen_of(resident)
    assert client.get(reverse("participation_office:citizen_list")).status_code == 403
    assert client.get(reverse("participation_office:citizen_detail", args=[citizen.pk])).status_code == 403
    assert (
        client.post(reverse("participation_office:citizen_block", args=[citizen.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert client.post(reverse("participation_office:citizen_unblock", args=[citizen.pk])).status_code == 403
    assert not citizen_of(resident).is_blocked
    with pytest.raises(accounts.Forbidden):
        accounts.block(citizen, city.users[who], "x")


def test_a_resident_may_not_block_another(resident, neighbour, client):
    client.force_login(resident)
    citizen = citizen_of(neighbour)
    assert (
        client.post(reverse("participation_office:citizen_block", args=[citizen.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert not citizen_of(neighbour).is_blocked


def test_strangers_are_sent_to_log_in(resident, client):
    response = client.post(
        reverse("participation_office:citizen_block", args=[citizen_of(resident).pk]), {"reason": "x"}
    )
    assert response.status_code == 302 and "login" in response["Location"]
    assert not citizen_of(resident).is_blocked


def test_the_list_masks_phones_counts_reports_and_searches(office, resident, neighbour):
    category = (
        Category.objects.filter(parent__isnull=False, is_active=True, citizen_reportable=True).order_by("id").first()
    )
    for text in ("井盖丢失", "路灯不亮"):
        intake(source="citizen", category=category, lon=111.02, lat=40.02, description=text, user=resident)
    content = office.get(reverse("participation_office:citizen_list")).content.decode()
    page = office.get(reverse("participation_office:citizen_list")).context["page"]
    assert {c.nickname: c.report_count for c in page} == {"小王": 2, "老李": 0}
    assert "139****0001" in content and "139****0002" in content
    assert "13900000001" not in content
    assert content.count('data-testid="citizen-row"') == 2
    by_name = office.get(reverse("participation_office:citizen_list"), {"q": "老李"}).content.decode()
    assert "139****0002" in by_name and "139****0001" not in by_name
    by_phone = office.get(reverse("participation_office:citizen_list"), {"q": "0001"}).content.decode()
    assert "139****0001" in by_phone and "139****0002" not in by_phone


def test_the_list_filters_blocked_accounts_and_exports_to_excel(office, city, resident, neighbour):
    accounts.block(citizen_of(neighbour), city.users["campaign_admin"], "广告")
    blocked = office.get(reverse("participation_office:citizen_list"), {"blocked": "1"}).content.decode()
    assert blocked.count('data-testid="citizen-row"') == 1 and "老李" in blocked
    response = office.get(reverse("participation_office:citizen_list"), {"format": "xlsx"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    flat = [str(v) for row in rows for v in row if v is not None]
    assert "139****0001" in flat and "13900000001" not in flat and "广告" in flat


def test_the_menu_shows_citizens_to_the_campaign_office(office):
    content = office.get(reverse("office:dashboard")).content.decode()
    assert reverse("participation_office:citizen_list") in content


def test_a_blocked_accounts_posts_are_refused(city, resident, login):
    accounts.block(citizen_of(resident), city.users["campaign_admin"], "辱骂他人")
    client = login(resident)
    response = client.post(reverse("participation:nickname"), {"nickname": "换个名字"})
    assert response.status_code == 403 and "辱骂他人" in response.content.decode()
    assert citizen_of(resident).nickname == "小王"
    assert client.get(reverse("participation:me")).status_code == 200
