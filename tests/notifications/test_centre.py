"""Notifications: the in-app centre, what each is about, and outbound channels with retries."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from wenming.notifications import services as notify
from wenming.notifications.models import Delivery, Notification


@pytest.fixture
def world(city):
    return city


@pytest.fixture
def dispatched(city):
    """Something a notification is about: here a unit, whose name stands for it."""
    return city.units["D1"]


def test_a_new_assignment_reaches_the_units_people_in_app_and_by_mail(world, dispatched, settings):
    handler = world.users["department_handler"]
    handler.email = "handler@example.org"
    handler.save()
    notification = notify.send([handler], "assigned", "新案件", about=dispatched)[0]
    assert notify.unread_count(handler) >= 1
    assert notify.deliver_pending()["sent"] == 1
    assert mail.outbox[-1].to == ["handler@example.org"] and mail.outbox[-1].subject == "新案件"
    assert Delivery.objects.get(notification=notification).status == "sent"
    assert Notification.objects.get(pk=notification.pk).subject == dispatched
    notify.mark_read(handler)
    assert notify.unread_count(handler) == 0


def test_the_units_people_are_its_handlers_and_leaders_or_its_leaders_only(world):
    from wenming.org import services as org_services

    leader = org_services.create_person(
        username="d1_leader",
        real_name="局长",
        password="long-enough-pass-1",
        role="unit_leader",
        unit=world.units["D1"],
    )
    assert set(notify.unit_staff(world.units["D1"])) == {world.users["department_handler"], leader}
    assert notify.unit_staff(world.units["D1"], leaders_only=True) == [leader]
    assert notify.unit_staff(None) == []


def test_a_notice_kept_in_the_centre_goes_out_by_no_channel(world, settings):
    handler = world.users["department_handler"]
    handler.email = "handler@example.org"
    handler.save()
    notify.send([handler], "progress", "您的账号已恢复", outbound=False)
    assert notify.unread_count(handler) == 1
    assert not Delivery.objects.exists()


class Gateway(BaseHTTPRequestHandler):
    received = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Gateway.fail_first > 0:
            Gateway.fail_first -= 1
            self.send_response(503)
        else:
            Gateway.received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WENMING_SMS_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/sms"
    Gateway.received, Gateway.fail_first = [], 0
    yield Gateway
    server.shutdown()


def test_the_sms_gateway_is_retried_until_it_answers(world, dispatched, gateway):
    gateway.fail_first = 1
    handler = world.users["department_handler"]
    notify.send([handler], "overdue", "案件已超期", about=dispatched)
    now = timezone.now()
    assert notify.deliver_pending(now=now) == {"sent": 0, "retry": 1, "failed": 0}
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.attempts == 1 and "503" in delivery.last_error
    # Not retried before its time, then sent.
    assert notify.deliver_pending(now=now + timedelta(seconds=10))["sent"] == 0
    assert notify.deliver_pending(now=now + timedelta(minutes=2))["sent"] == 1
    assert gateway.received == [
        {"phone": handler.profile.phone, "text": "案件已超期", "case": "市城管局", "kind": "overdue"}
    ]


def test_a_channel_that_keeps_failing_is_given_up_and_recorded(world, dispatched, settings):
    settings.WENMING_SMS_WEBHOOK_URL = "http://127.0.0.1:9/unreachable"
    notify.send([world.users["department_handler"]], "overdue", "案件已超期", about=dispatched)
    now = timezone.now()
    for attempt in range(notify.MAX_ATTEMPTS):
        notify.deliver_pending(now=now + timedelta(hours=attempt * 2))
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == "failed" and delivery.attempts == notify.MAX_ATTEMPTS
    assert delivery.last_error


def test_the_notification_centre_lists_and_clears(world, dispatched, login):
    notify.send([world.users["department_handler"]], "overdue", "需要处理的事项", about=dispatched)
    client = login(world.users["department_handler"])
    page = client.get("/office/cases/notifications/").content.decode()
    assert "需要处理的事项" in page and 'data-testid="unread"' in page
    client.post("/office/cases/notifications/")
    assert Notification.objects.filter(user=world.users["department_handler"], read_at__isnull=True).count() == 0


def test_the_centre_is_for_the_back_office(world, login):
    assert login(world.users["citizen"]).get("/office/cases/notifications/").status_code == 403
