"""Personal data (PIPL): a citizen sees and downloads everything held about them, and deleting
the account keeps the reports but removes the person."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from wenming.cases import services as cases
from wenming.cases.models import Case, Category
from wenming.notifications.models import Notification
from wenming.participation.models import (
    Answer,
    Citizen,
    Flag,
    Item,
    PointEntry,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    Solicitation,
    SolicitationEntry,
    Suggestion,
    SuggestionStatus,
    SuggestionSupport,
    SuggestionTopic,
    Support,
    VerificationCode,
    Vote,
)
from wenming.participation.services import accounts
from wenming.participation.services.points import award

User = get_user_model()
WEST_POINT = (111.02, 40.02)


@pytest.fixture
def web(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def report(user, description="小区门口井盖丢失，很危险", **extra):
    category = (
        Category.objects.filter(parent__isnull=False, is_active=True, citizen_reportable=True).order_by("id").first()
    )
    return cases.intake(
        source="citizen",
        category=category,
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description=description,
        user=user,
        address="和平路12号",
        **extra,
    ).case


@pytest.fixture
def history(resident, neighbour):
    """The resident's traces everywhere in the portal, and a neighbour's beside them."""
    now = timezone.now()
    mine = report(resident, reporter_name="王小明", reporter_phone="13900000001")
    theirs = report(neighbour, description="路灯不亮已经一周了")
    Support.objects.create(case=theirs, user=resident, created_at=now)
    topic = SuggestionTopic.objects.create(name="交通")
    suggestion = Suggestion.objects.create(
        number="JY2025000001",
        topic=topic,
        title="多设公交站",
        body="建议在和平路增设公交站",
        author=resident,
        status=SuggestionStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
    )
    other = Suggestion.objects.create(
        number="JY2025000002",
        topic=topic,
        title="多种树",
        body="……",
        author=neighbour,
        status=SuggestionStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
        support_count=2,
        flag_count=1,
    )
    SuggestionSupport.objects.create(suggestion=other, user=resident, created_at=now)
    SuggestionSupport.objects.create(suggestion=other, user=neighbour, created_at=now)
    Flag.objects.create(suggestion=other, user=resident, reason="广告", created_at=now)
    solicitation = Solicitation.objects.create(
        title="城市吉祥物征集",
        voting_opens_at=now - timedelta(days=1),
        voting_closes_at=now + timedelta(days=5),
    )
    entry = SolicitationEntry.objects.create(
        solicitation=solicitation, title="青青", image="solicitations/x.png", vote_count=1
    )
    Vote.objects.create(solicitation=solicitation, entry=entry, user=resident, created_at=now)
    questionnaire = Questionnaire.objects.create(title="群众满意度调查", status=Questionnaire.Status.OPEN)
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1, published_at=now)
    Item.objects.create(
        version=version,
        key="q1",
        kind="single",
        text="您对市容满意吗？",
        options=[{"key": "a", "label": "满意"}, {"key": "b", "label": "不满意"}],
    )
    response = Response.objects.create(questionnaire=questionnaire, version=version, user=resident, submitted_at=now)
    Answer.objects.create(response=response, item_key="q1", value="a")
    award(resident, "report_valid", f"case:{mine.pk}")
    Notification.objects.create(user=resident, subject=mine, kind="progress", title="您的问题已受理", created_at=now)
    VerificationCode.objects.create(
        address="13900000001",
        purpose="reset",
        code_hash="x" * 64,
        created_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    return {
        "mine": mine,
        "theirs": theirs,
        "suggestion": suggestion,
        "other": other,
        "entry": entry,
        "response": response,
    }


def test_my_data_shows_everything_about_me_and_nothing_about_others(history, resident, web):
    web.force_login(resident)
    content = web.get(reverse("participation:my_data")).content.decode()
    mine = history["mine"]
    assert mine.number in content and "小区门口井盖丢失，很危险" in content and "和平路12号" in content
    assert "王小明" in content and "13900000001" in content
    assert "多设公交站" in content and "多种树" in content  # my suggestion, and the one I supported
    assert "城市吉祥物征集" in content and "青青" in content
    assert "群众满意度调查" in content and "您对市容满意吗？" in content
    assert "随手拍问题被受理" in content and "您的问题已受理" in content
    assert history["theirs"].number in content  # as a report I supported
    assert "路灯不亮已经一周了" not in content  # but not the neighbour's words
    assert "老李" not in content and "13900000002" not in content


def test_my_data_downloads_as_a_json_file(history, resident, web):
    web.force_login(resident)
    response = web.get(reverse("participation:my_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="my-data-{today}.json"'
    raw = response.content.decode("utf-8")
    assert "小区门口井盖丢失" in raw  # written as characters, not \\u escapes
    data = json.loads(raw)
    assert data["account"]["phone"] == "13900000001" and data["account"]["nickname"] == "小王"
    assert data["account"]["points"] == 10
    [case] = data["reports"]
    assert case["number"] == history["mine"].number and case["address"] == "和平路12号"
    assert case["description"] == "小区门口井盖丢失，很危险" and case["reported_at"].endswith("+08:00")
    assert [s["number"] for s in data["suggestions"]] == ["JY2025000001"]
    assert [s["report"] for s in data["supports"]] == [history["theirs"].number]
    assert [s["suggestion"] for s in data["suggestion_supports"]] == ["JY2025000002"]
    assert [v["entry"] for v in data["votes"]] == ["青青"]
    assert data["questionnaire_responses"][0]["answers"] == [
        {"question": "您对市容满意吗？", "answer": "a", "other": ""}
    ]
    assert [e["points"] for e in data["points_ledger"]] == [10]
    assert [n["title"] for n in data["notifications"]] == ["您的问题已受理"]


def test_personal_data_needs_the_account(city, client):
    for name in ("my_data", "my_data_download", "delete_account"):
        response = client.get(reverse(f"participation:{name}"))
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_deleting_the_account_keeps_the_reports_but_removes_the_person(history, resident, web):
    web.force_login(resident)
    user_id = resident.pk
    citizen_id = Citizen.objects.get(user=resident).pk
    page = web.get(reverse("participation:delete_account"))
    assert page.status_code == 200 and "Your reports stay" in page.content.decode()

    response = web.post(reverse("participation:delete_account"), {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("participation:account_deleted")
    assert "Your account is deleted" in web.get(response["Location"]).content.decode()
    assert not web.get(reverse("participation:me")).wsgi_request.user.is_authenticated

    case = Case.objects.get(pk=history["mine"].pk)
    assert case.reporter_id is None and case.reporter_name == "" and case.reporter_phone == "" and case.anonymous
    assert case.description == "小区门口井盖丢失，很危险"  # the report itself stays
    assert case.events.filter(action="report").exists()
    suggestion = Suggestion.objects.get(pk=history["suggestion"].pk)
    assert suggestion.author_id is None and suggestion.title == "多设公交站"
    response = Response.objects.get(pk=history["response"].pk)
    assert response.user_id is None and response.answers.get().value == "a"

    assert not User.objects.filter(pk=user_id).exists()
    assert not Citizen.objects.filter(pk=citizen_id).exists()
    assert not Support.objects.filter(user_id=user_id).exists()
    assert not SuggestionSupport.objects.filter(user_id=user_id).exists()
    assert not Flag.objects.filter(user_id=user_id).exists()
    assert not Vote.objects.filter(user_id=user_id).exists()
    assert not PointEntry.objects.filter(citizen_id=citizen_id).exists()
    assert not Notification.objects.filter(user_id=user_id).exists()
    assert not VerificationCode.objects.filter(address="13900000001").exists()
    # Counts follow the rows that went.
    other = Suggestion.objects.get(pk=history["other"].pk)
    assert other.support_count == 1 and other.flag_count == 0
    assert SolicitationEntry.objects.get(pk=history["entry"].pk).vote_count == 0
    # The neighbour is untouched.
    assert Case.objects.get(pk=history["theirs"].pk).reporter.username == "r13900000002"
    assert SuggestionSupport.objects.filter(user__username="r13900000002").count() == 1


def test_a_wrong_password_deletes_nothing(history, resident, web):
    web.force_login(resident)
    for password in ("not-my-password", ""):
        response = web.post(reverse("participation:delete_account"), {"password": password})
        assert response.status_code == 400
        assert "The password is not right. Nothing was deleted." in response.content.decode()
    assert User.objects.filter(pk=resident.pk).exists() and Citizen.objects.filter(user=resident).exists()
    case = Case.objects.get(pk=history["mine"].pk)
    assert case.reporter == resident and case.reporter_name == "王小明" and not case.anonymous
    assert Support.objects.filter(user=resident).count() == 1 and Vote.objects.filter(user=resident).count() == 1
    assert web.get(reverse("participation:me")).wsgi_request.user == resident


def test_deletions_tried_over_the_limit_get_429_and_delete_nothing(history, resident, web, settings):
    settings.WENMING_PORTAL_LIMITS = {"account": {"account": (1, 3600), "ip": (100, 3600)}}
    web.force_login(resident)
    assert web.post(reverse("participation:delete_account"), {"password": "not-my-password"}).status_code == 400
    response = web.post(reverse("participation:delete_account"), {"password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert User.objects.filter(pk=resident.pk).exists() and Citizen.objects.filter(user=resident).exists()
    assert Case.objects.get(pk=history["mine"].pk).reporter == resident
    assert web.get(reverse("participation:me")).wsgi_request.user == resident


def test_a_half_done_deletion_leaves_everything(history, resident, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Vote.objects, "filter", broken)  # fails after the reports were made anonymous
    with pytest.raises(RuntimeError):
        accounts.delete_account(resident, PASSWORD)
    case = Case.objects.get(pk=history["mine"].pk)
    assert case.reporter == resident and case.reporter_name == "王小明"
    assert Suggestion.objects.get(pk=history["suggestion"].pk).author == resident
    assert User.objects.filter(pk=resident.pk).exists()


def test_staff_accounts_are_not_deleted_from_the_portal(city, login):
    client = login(city.users["street_handler"])
    response = client.post(reverse("participation:delete_account"), {"password": PASSWORD})
    assert response.status_code == 403
    assert User.objects.filter(username="street_handler").exists()


def test_deletion_needs_a_post(resident, login):
    client = login(resident)
    assert client.get(reverse("participation:delete_account")).status_code == 200
    assert client.put(reverse("participation:delete_account")).status_code == 405
    assert User.objects.filter(pk=resident.pk).exists()


def test_a_blocked_person_may_still_delete_their_account(history, resident, login):
    Citizen.objects.filter(user=resident).update(blocked_at=timezone.now(), blocked_reason="辱骂")
    client = login(resident)
    assert client.post(reverse("participation:delete_account"), {"password": PASSWORD}).status_code == 302
    assert not User.objects.filter(pk=resident.pk).exists()


def test_after_deletion_the_number_can_register_again(history, resident, web):
    from wenming.participation import channels

    accounts.delete_account(resident, PASSWORD)
    with channels.capture() as sent:
        accounts.send_code("13900000001", "register")
        user = accounts.register("13900000001", sent[-1][1], "新的我", "another-fine-password-7")
    assert Citizen.objects.get(phone="13900000001").user == user
    assert not Case.objects.filter(reporter=user).exists()  # the old reports stay anonymous
