"""Official replies: by the responsible unit or the campaign office only; the back-office list; reminders."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.participation.suggestion_helpers import WEST, configure
from wenming.notifications.models import Notification
from wenming.participation.models import ModerationEvent, PointEntry, Suggestion
from wenming.participation.services import suggestions as service


@pytest.fixture
def city_suggestion(suggest, resident):
    return suggest(resident)  # answered by the city's campaign office (CCB)


@pytest.fixture
def traffic_suggestion(suggest, resident, topics, city):
    """A traffic suggestion: the topic's unit 市城管局 (D1) answers."""
    topics["交通秩序"].responsible_unit = city.units["D1"]
    topics["交通秩序"].save()
    return suggest(resident, title="学校门口接送车辆乱停", body="放学时交通堵塞", topic="交通秩序")


def test_the_campaign_office_replies_and_the_reply_is_public(login, city, city_suggestion, resident):
    client = login(city.users["campaign_admin"])
    response = client.post(
        reverse("participation_office:suggestion_reply", args=[city_suggestion.number]),
        {"reply": "已在公园增设20个垃圾桶。"},
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get(pk=city_suggestion.pk)
    assert suggestion.status == "replied" and suggestion.replied_by == city.users["campaign_admin"]
    assert suggestion.replied_at is not None
    assert ModerationEvent.objects.filter(suggestion=suggestion, action="reply").exists()
    assert Notification.objects.filter(user=resident, title__contains=suggestion.number).exists()
    assert PointEntry.objects.filter(citizen__user=resident, rule__code="suggestion_replied").count() == 1
    page = client.get(reverse("participation:suggestion_detail", args=[suggestion.number])).content.decode()
    assert "已在公园增设20个垃圾桶。" in page


def test_a_reply_is_possible_before_the_threshold(city, city_suggestion):
    assert Suggestion.objects.get(pk=city_suggestion.pk).threshold_reached_at is None
    assert service.reply(city_suggestion, city.users["campaign_admin"], text="谢谢建议").status == "replied"


def test_a_department_handler_replies_only_to_its_units_suggestions(login, city, traffic_suggestion, city_suggestion):
    handler = city.users["department_handler"]
    client = login(handler)
    refused = client.post(
        reverse("participation_office:suggestion_reply", args=[city_suggestion.number]), {"reply": "x"}
    )
    assert refused.status_code == 404  # not in the department's scope at all
    with pytest.raises(service.Forbidden):
        service.reply(city_suggestion, handler, text="x")
    assert Suggestion.objects.get(pk=city_suggestion.pk).status == "published"
    done = client.post(
        reverse("participation_office:suggestion_reply", args=[traffic_suggestion.number]), {"reply": "已安排交警疏导"}
    )
    assert done.status_code == 302
    assert Suggestion.objects.get(pk=traffic_suggestion.pk).status == "replied"


def test_the_district_leader_replies_for_the_district_office_below_it(suggest, resident, city):
    suggestion = suggest(resident, where=WEST)
    assert suggestion.responsible_unit.code == "WCCB"
    assert not service.can_reply(city.users["street_handler"], suggestion)
    assert service.reply(suggestion, city.users["district_leader"], text="已转交街道").status == "replied"


@pytest.mark.parametrize("who", ["inspector", "grid_worker", "group_lead"])
def test_other_staff_cannot_reply(city, city_suggestion, who):
    with pytest.raises(service.Forbidden):
        service.reply(city_suggestion, city.users[who], text="x")


def test_a_citizen_cannot_open_or_use_the_back_office(login, city_suggestion, neighbour):
    client = login(neighbour)
    assert client.get(reverse("participation_office:suggestion_list")).status_code == 403
    assert (
        client.post(
            reverse("participation_office:suggestion_reply", args=[city_suggestion.number]), {"reply": "x"}
        ).status_code
        == 403
    )
    assert Suggestion.objects.get(pk=city_suggestion.pk).status == "published"


def test_an_empty_or_second_reply_is_refused(login, city, city_suggestion, english):
    client = login(city.users["campaign_admin"])
    url = reverse("participation_office:suggestion_reply", args=[city_suggestion.number])
    response = client.post(url, {"reply": "   "})
    assert response.status_code == 400 and "Write the reply." in response.content.decode()
    assert client.post(url, {"reply": "长" * 5001}).status_code == 400
    assert client.post(url, {"reply": "好"}).status_code == 302
    response = client.post(url, {"reply": "再答一次"})
    assert response.status_code == 409
    assert Suggestion.objects.get(pk=city_suggestion.pk).reply == "好"


def test_a_pending_suggestion_cannot_be_replied_to(suggest, resident, city):
    configure(premoderate_suggestions=True)
    pending = suggest(resident)
    with pytest.raises(service.Forbidden):  # pending: no responsible unit yet, and the office…
        service.reply(pending, city.users["department_handler"], text="x")
    with pytest.raises(service.Conflict):
        service.reply(pending, city.users["campaign_admin"], text="x")


# The back-office list


def test_the_list_filters_awaiting_and_overdue_replies(login, city, suggest, resident):
    now = timezone.now()
    awaiting = suggest(resident, title="甲", body="甲甲")
    overdue = suggest(resident, title="乙", body="乙乙")
    other = suggest(resident, title="丙", body="丙丙")
    Suggestion.objects.filter(pk=awaiting.pk).update(threshold_reached_at=now, reply_due_at=now + timedelta(days=5))
    Suggestion.objects.filter(pk=overdue.pk).update(threshold_reached_at=now, reply_due_at=now - timedelta(days=1))
    client = login(city.users["campaign_admin"])
    url = reverse("participation_office:suggestion_list")

    def numbers(**params):
        return [s.number for s in client.get(url, params).context["page"]]

    assert set(numbers()) == {awaiting.number, overdue.number, other.number}
    assert numbers(due="awaiting") == [overdue.number, awaiting.number]
    assert numbers(due="overdue") == [overdue.number]
    assert numbers(status="replied") == []
    assert numbers(q="乙乙") == [overdue.number]
    assert numbers(q=other.number) == [other.number]


def test_the_list_exports_to_excel(login, city, suggest, resident):
    suggest(resident, title="公园垃圾桶", body="太少")
    response = login(city.users["campaign_admin"]).get(
        reverse("participation_office:suggestion_list"), {"format": "xlsx"}
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 2 and "公园垃圾桶" in rows[1]


def test_a_department_sees_only_its_units_suggestions(login, city, traffic_suggestion, city_suggestion):
    response = login(city.users["department_handler"]).get(reverse("participation_office:suggestion_list"))
    assert [s.number for s in response.context["page"]] == [traffic_suggestion.number]


def test_the_topic_filter_narrows_the_list(login, city, traffic_suggestion, city_suggestion, topics):
    response = login(city.users["campaign_admin"]).get(
        reverse("participation_office:suggestion_list"), {"topic": topics["交通秩序"].pk}
    )
    assert [s.number for s in response.context["page"]] == [traffic_suggestion.number]


# Reminders


def test_remind_replies_tells_the_unit_once_before_the_deadline_and_once_when_overdue(
    city, city_suggestion, traffic_suggestion
):
    now = timezone.now()
    Suggestion.objects.filter(pk=city_suggestion.pk).update(
        threshold_reached_at=now, reply_due_at=now + timedelta(hours=2)
    )
    Suggestion.objects.filter(pk=traffic_suggestion.pk).update(
        threshold_reached_at=now, reply_due_at=now - timedelta(hours=1)
    )
    assert service.remind_replies(now=now) == {"due_soon": 1, "overdue": 1}
    assert service.remind_replies(now=now) == {"due_soon": 0, "overdue": 0}
    admin_notes = Notification.objects.filter(user=city.users["campaign_admin"], kind="due_soon")
    assert admin_notes.count() == 1 and city_suggestion.number in admin_notes.get().title
    handler_notes = Notification.objects.filter(user=city.users["department_handler"], kind="overdue")
    assert handler_notes.count() == 1 and traffic_suggestion.number in handler_notes.get().title
    # Later the first one becomes overdue too: one more note, then none.
    later = now + timedelta(days=1)
    assert service.remind_replies(now=later) == {"due_soon": 0, "overdue": 1}
    assert service.remind_replies(now=later) == {"due_soon": 0, "overdue": 0}


def test_remind_replies_skips_far_deadlines_and_replied_suggestions(city, city_suggestion, traffic_suggestion):
    now = timezone.now()
    Suggestion.objects.filter(pk=city_suggestion.pk).update(
        threshold_reached_at=now, reply_due_at=now + timedelta(days=30)
    )
    Suggestion.objects.filter(pk=traffic_suggestion.pk).update(
        threshold_reached_at=now, reply_due_at=now - timedelta(hours=1)
    )
    service.reply(traffic_suggestion, city.users["department_handler"], text="已处理")
    assert service.remind_replies(now=now) == {"due_soon": 0, "overdue": 0}


def test_the_remind_replies_command_reports_what_it_did(city, city_suggestion, capsys):
    now = timezone.now()
    Suggestion.objects.filter(pk=city_suggestion.pk).update(
        threshold_reached_at=now, reply_due_at=now - timedelta(hours=1)
    )
    call_command("remind_replies")
    assert "1 overdue" in capsys.readouterr().out
