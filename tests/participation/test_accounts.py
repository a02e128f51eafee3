"""Citizen accounts: registration with a code, log in by phone or e-mail, new password, 我的."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from tests.conftest import PASSWORD
from wenming.notifications.models import Notification
from wenming.participation import channels
from wenming.participation.models import Citizen, Suggestion, SuggestionStatus, SuggestionTopic, VerificationCode
from wenming.participation.services import accounts
from wenming.participation.services.points import award

User = get_user_model()
NEW_PASSWORD = "blue-river-lantern-42"


@pytest.fixture
def sent():
    """The codes the console channel sends during the test: [(address, code, purpose), …]."""
    with channels.capture() as codes:
        yield codes


@pytest.fixture
def web(client):
    """A browser that reads the portal in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def last_code(sent, address):
    return next(code for a, code, _purpose in reversed(sent) if a == address)


def ask_code(web, address, url="participation:register"):
    return web.post(reverse(url), {"action": "send_code", "address": address})


def register(web, address, code, nickname="小张", password=NEW_PASSWORD, **extra):
    data = {"action": "register", "address": address, "code": code, "nickname": nickname, "password": password, **extra}
    return web.post(reverse("participation:register"), data)


def logged_in_user(client):
    return client.get(reverse("participation:me")).wsgi_request.user


# ---------------------------------------------------------------------------
# Registration


def test_it_registers_with_a_phone_number_and_the_code_from_the_console(city, web, sent, capsys):
    response = ask_code(web, "+86 139 1234 5678")
    assert response.status_code == 200
    assert "A code was sent to 139****5678" in response.content.decode()
    assert [(a, p) for a, _c, p in sent] == [("13912345678", "register")]
    code = last_code(sent, "13912345678")
    assert code in capsys.readouterr().out  # the demo reads it on the console

    response = register(web, "139 1234 5678", code)
    assert response.status_code == 302 and response["Location"] == reverse("participation:me")
    citizen = Citizen.objects.get(phone="13912345678")
    assert citizen.nickname == "小张" and citizen.verified_at is not None and citizen.email is None
    assert citizen.user.check_password(NEW_PASSWORD)
    assert logged_in_user(web) == citizen.user
    row = VerificationCode.objects.get(address="13912345678")
    assert row.used_at is not None and code not in row.code_hash and len(row.code_hash) == 64


def test_it_registers_with_an_email_address(city, web, sent):
    assert ask_code(web, " Xiao.Zhang@Example.COM ").status_code == 200
    response = register(web, "xiao.zhang@example.com", last_code(sent, "xiao.zhang@example.com"))
    assert response.status_code == 302
    citizen = Citizen.objects.get(email="xiao.zhang@example.com")
    assert citizen.phone is None
    assert citizen.user.email == "xiao.zhang@example.com"  # so notifications can reach the person


def test_codes_are_six_digits_and_expire_after_ten_minutes(city, sent, english):
    start, users = timezone.now(), User.objects.count()
    accounts.send_code("13912345678", "register", now=start)
    code = last_code(sent, "13912345678")
    assert len(code) == 6 and code.isdigit()
    row = VerificationCode.objects.get()
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    with pytest.raises(accounts.Invalid) as error:
        accounts.register("13912345678", code, "小张", NEW_PASSWORD, now=start + timedelta(minutes=10, seconds=1))
    assert error.value.fields == {"code": "The code has expired. Please ask for a new code."}
    assert not Citizen.objects.exists() and User.objects.count() == users


def test_a_wrong_code_is_refused_and_nothing_is_saved(city, web, sent):
    ask_code(web, "13912345678")
    code = last_code(sent, "13912345678")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    users = User.objects.count()
    response = register(web, "13912345678", wrong)
    assert response.status_code == 400
    assert "The code is not right. You can try 4 more times." in response.content.decode()
    assert User.objects.count() == users and not Citizen.objects.exists()
    assert VerificationCode.objects.get().attempts == 1
    assert register(web, "13912345678", code).status_code == 302  # the right code still works


def test_a_code_works_only_once(city, resident, sent, english):
    accounts.send_code("13900000001", "reset")
    code = last_code(sent, "13900000001")
    accounts.reset_password("13900000001", code, NEW_PASSWORD)
    with pytest.raises(accounts.Invalid) as error:
        accounts.reset_password("13900000001", code, "another-fine-password-7")
    assert error.value.fields == {"code": "This code was already used. Please ask for a new code."}
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)


def test_five_wrong_codes_use_the_code_up(city, sent, english):
    accounts.send_code("13912345678", "register")
    code = last_code(sent, "13912345678")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(accounts.Invalid, match=f"try {left} more times"):
            accounts.register("13912345678", wrong, "小张", NEW_PASSWORD)
    with pytest.raises(accounts.Invalid, match="Too many wrong codes"):
        accounts.register("13912345678", wrong, "小张", NEW_PASSWORD)
    with pytest.raises(accounts.Invalid, match="Too many wrong codes"):
        accounts.register("13912345678", code, "小张", NEW_PASSWORD)  # even the right one, now
    assert not Citizen.objects.exists()
    assert VerificationCode.objects.get().attempts == 5


def test_a_new_code_is_sent_at_most_once_a_minute(city, web, sent):
    assert ask_code(web, "13912345678").status_code == 200
    response = ask_code(web, "13912345678")
    assert response.status_code == 429
    assert "A code was sent less than a minute ago" in response.content.decode()
    assert len(sent) == 1 and VerificationCode.objects.count() == 1
    # A minute later it may go.
    accounts.send_code("13912345678", "register", now=timezone.now() + timedelta(seconds=61))
    assert len(sent) == 2


def test_code_requests_are_rate_limited_per_address(city, web, sent, settings):
    settings.WENMING_PORTAL_LIMITS = {"code": {"account": (1, 3600), "ip": (100, 3600)}}
    VerificationCode.objects.all().delete()
    assert ask_code(web, "13912345678").status_code == 200
    VerificationCode.objects.all().delete()  # not the minute between codes: the hourly limit
    response = ask_code(web, "13912345678")
    assert response.status_code == 429
    assert "Too many submissions in a short time" in response.content.decode()
    assert len(sent) == 1


def test_a_registered_phone_number_cannot_register_again(resident, web, sent):
    response = ask_code(web, "139 0000 0001")
    assert response.status_code == 400
    assert "This mobile number is already registered" in response.content.decode()
    assert not sent and not VerificationCode.objects.exists()
    response = register(web, "13900000001", "123456")
    assert response.status_code == 400
    assert Citizen.objects.filter(phone="13900000001").count() == 1


@pytest.mark.parametrize(
    "phone", ["12345", "23912345678", "1391234567", "139123456789", "12912345678", "1391234567a", ""]
)
def test_it_refuses_a_badly_formed_phone_number(city, web, sent, phone):
    response = ask_code(web, phone)
    assert response.status_code == 400
    content = response.content.decode()
    assert ("Enter a mainland mobile number" in content) or ("Enter your mobile number or e-mail address" in content)
    assert 'aria-invalid="true"' in content
    assert not sent and not VerificationCode.objects.exists()


@pytest.mark.parametrize(
    "text", ["13900000001", "+86 139 0000 0001", "+8613900000001", "0086-139-0000-0001", "１３９００００００01"]
)
def test_phone_numbers_are_normalised(text):
    assert accounts.normalise_phone(text) == "13900000001"


def test_it_refuses_a_bad_email_address(city, web, sent):
    response = ask_code(web, "name@")
    assert response.status_code == 400 and "Enter a valid e-mail address" in response.content.decode()
    assert not sent


@pytest.mark.parametrize(
    "password, message",
    [("12345678", "entirely numeric"), ("password", "too common"), ("ab1", "too short"), ("", "Choose a password")],
)
def test_it_refuses_a_weak_password_and_keeps_the_code(city, web, sent, password, message):
    ask_code(web, "13912345678")
    code = last_code(sent, "13912345678")
    response = register(web, "13912345678", code, password=password)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Citizen.objects.exists()
    assert VerificationCode.objects.get().used_at is None
    assert register(web, "13912345678", code).status_code == 302


def test_it_requires_a_nickname_and_the_code(city, web, sent):
    response = register(web, "13912345678", "", nickname="  ")
    assert response.status_code == 400
    content = response.content.decode()
    assert "Choose a nickname." in content and "Enter the 6-digit code you received." in content
    assert not Citizen.objects.exists()


def test_a_nickname_with_script_is_shown_as_text(city, web, sent):
    ask_code(web, "13912345678")
    register(web, "13912345678", last_code(sent, "13912345678"), nickname="<script>alert(1)</script>")
    content = web.get(reverse("participation:me")).content.decode()
    assert "<script>alert(1)</script>" not in content and "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# ---------------------------------------------------------------------------
# Log in and out


@pytest.mark.parametrize("address", ["13900000001", "+86 139 0000 0001"])
def test_it_logs_in_with_a_phone_number(resident, web, address):
    response = web.post(reverse("participation:login"), {"address": address, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("participation:me")
    assert logged_in_user(web) == resident


def test_it_logs_in_with_an_email_address(city, web):
    user = User.objects.create_user(username="c-mail", password=PASSWORD)
    Citizen.objects.create(user=user, nickname="邮箱", email="li@example.com")
    response = web.post(reverse("participation:login"), {"address": "LI@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user(web) == user


def test_staff_log_in_at_the_portal_with_their_user_name(city, web):
    response = web.post(reverse("participation:login"), {"address": "street_handler", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user(web) == city.users["street_handler"]


def test_a_wrong_password_is_refused(resident, web):
    response = web.post(reverse("participation:login"), {"address": "13900000001", "password": "not-it"})
    assert response.status_code == 400
    assert "The mobile number, e-mail address or password is not right." in response.content.decode()
    assert not logged_in_user(web).is_authenticated


def test_login_attempts_are_limited_per_address_with_a_chinese_message(resident, client):
    for _ in range(10):
        assert (
            client.post(reverse("participation:login"), {"address": "13900000001", "password": "guess"}).status_code
            == 400
        )
    response = client.post(reverse("participation:login"), {"address": "13900000001", "password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    with translation.override("zh-hans"):
        expected = translation.gettext("Too many login attempts. Please try again in %(minutes)d minutes.")
    assert expected.split("%")[0] in response.content.decode()
    assert '<html lang="zh-hans">' in response.content.decode()
    assert not logged_in_user(client).is_authenticated
    # Another address from another place is not held up.
    other = client.post(
        reverse("participation:login"), {"address": "13900000002", "password": "guess"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 400


def test_login_attempts_are_limited_per_address_of_the_client(resident, web, settings):
    settings.WENMING_PORTAL_LIMITS = {"login": {"account": (100, 900), "ip": (3, 900)}}
    for n in range(3):
        web.post(reverse("participation:login"), {"address": f"1390000010{n}", "password": "guess"})
    response = web.post(reverse("participation:login"), {"address": "13900000001", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/me/data/", "/me/data/"),
        ("https://evil.example/steal", "/me/"),
        ("//evil.example/", "/me/"),
        ("javascript:alert(1)", "/me/"),
        ("", "/me/"),
    ],
)
def test_after_login_it_goes_only_to_a_page_of_this_site(resident, web, target, expected):
    response = web.post(
        reverse("participation:login"), {"address": "13900000001", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302 and response["Location"] == expected


def test_a_page_that_needs_an_account_comes_back_after_login(resident, web):
    response = web.get(reverse("participation:my_data"))
    assert response.status_code == 302
    assert response["Location"] == reverse("participation:login") + "?next=/me/data/"
    page = web.get(response["Location"]).content.decode()
    assert 'name="next" value="/me/data/"' in page


def test_logout_needs_a_post(resident, login):
    client = login(resident)
    assert client.get(reverse("participation:logout")).status_code == 405
    response = client.post(reverse("participation:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("participation:home")
    assert not logged_in_user(client).is_authenticated


# ---------------------------------------------------------------------------
# A new password with a code


def test_a_forgotten_password_is_replaced_with_a_code(resident, web, sent):
    url = "participation:password_reset"
    assert ask_code(web, "13900000001", url).status_code == 200
    assert sent[-1][2] == "reset"
    response = web.post(
        reverse(url),
        {"action": "reset", "address": "13900000001", "code": last_code(sent, "13900000001"), "password": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("participation:me")
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD) and not resident.check_password(PASSWORD)
    web.post(reverse("participation:logout"))
    assert web.post(reverse("participation:login"), {"address": "13900000001", "password": PASSWORD}).status_code == 400
    assert (
        web.post(reverse("participation:login"), {"address": "13900000001", "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_a_new_password_needs_the_right_code_and_a_good_password(resident, web, sent):
    url = reverse("participation:password_reset")
    ask_code(web, "13900000001", "participation:password_reset")
    code = last_code(sent, "13900000001")
    response = web.post(url, {"action": "reset", "address": "13900000001", "code": code, "password": "12345678"})
    assert response.status_code == 400 and "entirely numeric" in response.content.decode()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = web.post(url, {"action": "reset", "address": "13900000001", "code": wrong, "password": NEW_PASSWORD})
    assert response.status_code == 400 and "The code is not right" in response.content.decode()
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)


def test_new_passwords_tried_over_the_limit_get_429_and_change_nothing(resident, web, sent, settings):
    settings.WENMING_PORTAL_LIMITS = {"account": {"account": (1, 3600), "ip": (100, 3600)}}
    url = reverse("participation:password_reset")
    ask_code(web, "13900000001", "participation:password_reset")
    code = last_code(sent, "13900000001")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = web.post(url, {"action": "reset", "address": "13900000001", "code": wrong, "password": NEW_PASSWORD})
    assert response.status_code == 400 and "The code is not right" in response.content.decode()
    response = web.post(url, {"action": "reset", "address": "13900000001", "code": code, "password": NEW_PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD) and not resident.check_password(NEW_PASSWORD)
    assert VerificationCode.objects.get(address="13900000001").used_at is None


def test_no_code_goes_to_an_address_without_an_account(city, web, sent):
    response = ask_code(web, "13912345678", "participation:password_reset")
    assert response.status_code == 400
    assert "No account uses this mobile number or e-mail address." in response.content.decode()
    assert not sent


# ---------------------------------------------------------------------------
# 我的


def test_me_needs_an_account(city, client):
    response = client.get(reverse("participation:me"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("participation:login"))


def test_me_shows_the_account_points_suggestions_and_notifications(resident, web):
    web.force_login(resident)
    award(resident, "report_valid", "case:1")
    topic = SuggestionTopic.objects.create(name="交通")
    now = timezone.now()
    Suggestion.objects.create(
        number="JY2025000001",
        topic=topic,
        title="多设公交站",
        body="…",
        author=resident,
        status=SuggestionStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
    )
    Notification.objects.create(user=resident, kind="progress", title="您的问题已受理", created_at=now)
    content = web.get(reverse("participation:me")).content.decode()
    assert "小王" in content and "139****0001" in content and "13900000001" not in content
    assert 'data-testid="points">10<' in content and "随手拍问题被受理" in content
    assert "多设公交站" in content and "JY2025000001" in content
    assert "您的问题已受理" in content and 'data-testid="unread">1<' in content
    assert "Large text is off." in content

    assert web.post(reverse("participation:notifications_read")).status_code == 302
    assert not Notification.objects.filter(user=resident, read_at__isnull=True).exists()


def test_me_shows_the_large_text_setting(resident, web):
    web.force_login(resident)
    web.post(reverse("participation:text_size"), {"large": "1", "next": "/me/"})
    content = web.get(reverse("participation:me")).content.decode()
    assert "Large text is on." in content and 'class="portal large-text"' in content


def test_the_nickname_can_be_changed(resident, web):
    web.force_login(resident)
    assert web.post(reverse("participation:nickname"), {"nickname": " 王 大 爷 "}).status_code == 302
    assert Citizen.objects.get(user=resident).nickname == "王 大 爷"
    response = web.post(reverse("participation:nickname"), {"nickname": "长" * 31}, follow=True)
    assert "at most 30 characters" in response.content.decode()
    assert Citizen.objects.get(user=resident).nickname == "王 大 爷"


def test_nickname_changes_over_the_limit_get_429_and_change_nothing(resident, web, settings):
    settings.WENMING_PORTAL_LIMITS = {"account": {"account": (1, 3600), "ip": (100, 3600)}}
    web.force_login(resident)
    assert web.post(reverse("participation:nickname"), {"nickname": "王大爷"}).status_code == 302
    response = web.post(reverse("participation:nickname"), {"nickname": "李大妈"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Citizen.objects.get(user=resident).nickname == "王大爷"


def test_a_blocked_account_logs_in_and_reads_but_cannot_post(resident, web):
    Citizen.objects.filter(user=resident).update(blocked_at=timezone.now(), blocked_reason="辱骂他人")
    assert web.post(reverse("participation:login"), {"address": "13900000001", "password": PASSWORD}).status_code == 302
    page = web.get(reverse("participation:me"))
    assert page.status_code == 200 and "辱骂他人" in page.content.decode()
    assert web.get(reverse("participation:my_data")).status_code == 200
    response = web.post(reverse("participation:nickname"), {"nickname": "新名字"})
    assert response.status_code == 403 and "辱骂他人" in response.content.decode()
    assert Citizen.objects.get(user=resident).nickname == "小王"
    with pytest.raises(accounts.Forbidden):
        accounts.change_nickname(Citizen.objects.get(user=resident), "新名字")
