"""How codes reach people: the console (demo), e-mail, and the city's SMS gateway over HTTP,
tried against a small local HTTP server."""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse

from wenming.participation import channels
from wenming.participation.models import Citizen, VerificationCode

PASSWORD = "blue-river-lantern-42"


def six_digits(text: str) -> str:
    return re.search(r"(?<!\d)\d{6}(?!\d)", text).group()


class Gateway:
    """A stand-in for the city's SMS gateway: records each request and answers as told."""

    def __init__(self, status=200, delay=0.0):
        self.status, self.delay, self.requests = status, delay, []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                time.sleep(gateway.delay)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if gateway.status < 300 else b'{"ok": false}')

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the client gave up waiting (the timeout test): expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def code(self):
        return six_digits(self.requests[-1]["body"]["text"])


@pytest.fixture
def web(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def sms(settings):
    """The http channel for phones and e-mail for addresses, as a city would configure it."""
    settings.WENMING_CODE_CHANNEL = "http,email"
    settings.WENMING_SMS_GATEWAY_TOKEN = "s3cret-token"
    settings.WENMING_SMS_GATEWAY_TIMEOUT = 1

    def start(**options):
        gateway = Gateway(**options)
        settings.WENMING_SMS_GATEWAY_URL = gateway.url
        return gateway

    return start


def ask_code(web, address):
    return web.post(reverse("participation:register"), {"action": "send_code", "address": address})


def register(web, address, code):
    return web.post(
        reverse("participation:register"),
        {"action": "register", "address": address, "code": code, "nickname": "小张", "password": PASSWORD},
    )


def test_the_console_is_the_default_channel(city, capsys):
    assert [type(c) for c in channels.configured()] == [channels.ConsoleChannel]
    channels.send_code("13912345678", "123456", "register")
    assert "13912345678" in capsys.readouterr().out


def test_the_gateway_gets_the_phone_and_the_text_as_json_with_the_token(city, web, sms):
    with sms() as gateway:
        response = ask_code(web, "139 1234 5678")
        assert response.status_code == 200
        assert len(gateway.requests) == 1
        request = gateway.requests[0]
        assert request["path"] == "/sms/send"
        assert request["headers"]["Authorization"] == "Bearer s3cret-token"
        assert request["headers"]["Content-Type"].startswith("application/json")
        assert request["body"]["phone"] == "13912345678"
        assert set(request["body"]) == {"phone", "text"}
        assert register(web, "13912345678", gateway.code()).status_code == 302
    assert Citizen.objects.filter(phone="13912345678").exists()


def test_without_a_token_no_authorization_header_is_sent(city, web, sms, settings):
    with sms() as gateway:
        settings.WENMING_SMS_GATEWAY_TOKEN = ""
        assert ask_code(web, "13912345678").status_code == 200
        assert "Authorization" not in gateway.requests[0]["headers"]


def test_a_gateway_that_is_down_gives_a_clear_error_and_creates_nothing(city, web, sms, settings):
    gateway = Gateway()  # never started: its port refuses connections once closed
    gateway.server.server_close()
    settings.WENMING_SMS_GATEWAY_URL = gateway.url
    response = ask_code(web, "13912345678")
    assert response.status_code == 503
    assert "The text message could not be sent. Please try again later." in response.content.decode()
    assert not VerificationCode.objects.exists()
    # With no code stored, no account can be made either.
    response = register(web, "13912345678", "123456")
    assert response.status_code == 400
    assert "No code was sent to this address" in response.content.decode()
    assert not Citizen.objects.exists()


@pytest.mark.parametrize("status", [500, 401, 404])
def test_a_gateway_that_refuses_gives_a_clear_error_and_creates_nothing(city, web, sms, status):
    with sms(status=status) as gateway:
        response = ask_code(web, "13912345678")
    assert len(gateway.requests) == 1
    assert response.status_code == 503
    assert "The text message could not be sent" in response.content.decode()
    assert not VerificationCode.objects.exists()


def test_a_gateway_that_does_not_answer_in_time_is_a_failure(city, web, sms):
    # The gateway answers after 2.5 s, past the one-second timeout; how long the
    # portal waits: python bench/code_channels.py
    with sms(delay=2.5) as gateway:
        response = ask_code(web, "13912345678")
    assert gateway.requests and response.status_code == 503
    assert not VerificationCode.objects.exists()


def test_a_missing_gateway_address_is_a_failure_not_a_crash(city, web, settings):
    settings.WENMING_CODE_CHANNEL = "http"
    settings.WENMING_SMS_GATEWAY_URL = ""
    response = ask_code(web, "13912345678")
    assert response.status_code == 503
    assert not VerificationCode.objects.exists()


def test_e_mail_addresses_get_their_code_by_mail(city, web, sms):
    with sms() as gateway:
        assert ask_code(web, "li@example.com").status_code == 200
    assert gateway.requests == []
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["li@example.com"]
    code = six_digits(mail.outbox[0].body)
    assert register(web, "li@example.com", code).status_code == 302


def test_a_failing_mail_server_gives_a_clear_error(city, web, settings):
    settings.WENMING_CODE_CHANNEL = "email"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    response = ask_code(web, "li@example.com")
    assert response.status_code == 503
    assert "The e-mail could not be sent" in response.content.decode()
    assert not VerificationCode.objects.exists()


def test_an_address_no_channel_takes_is_refused_with_advice(city, web, settings):
    settings.WENMING_CODE_CHANNEL = "http"
    response = ask_code(web, "li@example.com")
    assert response.status_code == 400
    assert "Codes cannot be sent by e-mail here. Please use a mobile number." in response.content.decode()
    assert not VerificationCode.objects.exists()


class Pigeon(channels.Channel):
    sent = []

    def send_code(self, address, code, purpose):
        Pigeon.sent.append((address, code, purpose))


def test_a_channel_can_be_named_by_its_dotted_path(city, web, settings):
    settings.WENMING_CODE_CHANNEL = f"{__name__}.Pigeon"
    Pigeon.sent.clear()
    assert ask_code(web, "13912345678").status_code == 200
    assert [(a, p) for a, _c, p in Pigeon.sent] == [("13912345678", "register")]
