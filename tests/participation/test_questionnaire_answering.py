"""Answering in the portal: validation against the version, conditions, areas and the guards against ballot-stuffing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.participation.questionnaire_kit import answer, answer_url, build, choice, in_english, scale, text
from wenming.participation import protection
from wenming.participation.models import Answer, PointEntry, Response
from wenming.participation.services import questionnaires as services


@pytest.fixture
def survey(city):
    """q1 yes/no; q2 (required) only when q1 = no; q3 scale 1–5; q4 optional text; q5 multiple with "other"."""
    return build(
        city,
        choice("您对小区环境满意吗?", "满意", "不满意"),
        choice("主要是哪方面?", "卫生", "停车", "绿化", show_if=("q1", ["o2"])),
        scale("请打分", 1, 5),
        text("其他建议"),
        choice("您从哪里知道创城?", "电视", "网络", kind="multiple", other=True, required=False),
        ask_area=False,
    )


@pytest.fixture
def web(client):
    return in_english(client)


def saved():
    return {a.item_key: a.value for a in Answer.objects.all()}


def test_a_resident_answers_and_is_thanked(survey, web):
    page = web.get(answer_url(survey))
    assert page.status_code == 200
    assert "您对小区环境满意吗?" in page.content.decode()
    response = web.post(
        answer_url(survey), {"q1": "o1", "q3": "4", "q4": "  多种树  ", "q5": ["o1", "other"], "q5_other": "社区宣传"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participation:questionnaire_done", args=[survey.pk])
    stored = Response.objects.get()
    assert stored.version.number == 1 and stored.user is None and stored.area is None
    assert len(stored.session_hash) == 64 and len(stored.ip_hash) == 64
    assert saved() == {"q1": "o1", "q3": 4, "q4": "多种树", "q5": ["o1", "other"]}
    assert Answer.objects.get(item_key="q5").other_text == "社区宣传"


def test_a_required_question_must_be_answered(survey, web):
    response = answer(web, survey, {"q1": "o1"})
    assert response.status_code == 400
    assert "Please answer this question." in response.content.decode()
    assert not Response.objects.exists()


def test_a_hidden_required_question_is_not_required(survey, web):
    assert answer(web, survey, {"q1": "o1", "q3": "3"}).status_code == 302
    assert saved() == {"q1": "o1", "q3": 3}


def test_a_shown_conditional_question_is_required(survey, web):
    response = answer(web, survey, {"q1": "o2", "q3": "3"})
    assert response.status_code == 400
    assert 'id="err-q2"' in response.content.decode()
    assert not Response.objects.exists()


def test_an_answer_to_a_hidden_question_is_discarded(survey, web):
    assert answer(web, survey, {"q1": "o1", "q2": "o3", "q3": "5"}).status_code == 302
    assert "q2" not in saved()


def test_an_answer_to_a_shown_conditional_question_is_kept(survey, web):
    assert answer(web, survey, {"q1": "o2", "q2": "o2", "q3": "1"}).status_code == 302
    assert saved()["q2"] == "o2"


@pytest.mark.parametrize(
    "data, key, message",
    [
        ({"q1": "o9", "q3": "3"}, "q1", "Choose among the answers offered."),
        ({"q1": ["o1", "o2"], "q3": "3"}, "q1", "Choose only one answer."),
        ({"q1": "other", "q3": "3"}, "q1", "Choose among the answers offered."),
        ({"q1": "o1", "q3": "6"}, "q3", "Choose a number from 1 to 5."),
        ({"q1": "o1", "q3": "0"}, "q3", "Choose a number from 1 to 5."),
        ({"q1": "o1", "q3": "3.5"}, "q3", "Choose a number from 1 to 5."),
        ({"q1": "o1", "q3": "3", "q4": "字" * 1001}, "q4", "Please write at most 1000 characters (you wrote 1001)."),
        ({"q1": "o1", "q3": "3", "q5": ["o1", "o7"]}, "q5", "Choose among the answers offered."),
        ({"q1": "o1", "q3": "3", "q5": ["other"]}, "q5", "Please say what your “other” answer is."),
        (
            {"q1": "o1", "q3": "3", "q5": ["other"], "q5_other": "x" * 201},
            "q5",
            "Your “other” answer may have at most 200 characters.",
        ),
    ],
)
def test_a_bad_answer_is_refused_with_its_reason_and_nothing_is_saved(survey, web, data, key, message):
    response = answer(web, survey, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'<p class="errorlist" role="alert" id="err-{key}">{message}</p>' in body.replace("&quot;", '"')
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_the_form_keeps_what_was_sent_when_refused(survey, web):
    body = answer(web, survey, {"q1": "o2", "q3": "9", "q4": "路灯坏了"}).content.decode()
    assert 'value="o2" checked' in body
    assert "路灯坏了</textarea>" in body


def test_the_same_session_cannot_answer_twice(survey, web):
    assert answer(web, survey, {"q1": "o1", "q3": "3"}).status_code == 302
    again = web.post(answer_url(survey), {"q1": "o2", "q2": "o1", "q3": "1"})
    assert again.status_code == 409
    assert "You have already answered this questionnaire." in again.content.decode()
    assert Response.objects.count() == 1
    assert 'data-testid="answered"' in web.get(answer_url(survey)).content.decode()


def test_another_session_may_answer(survey, web):
    assert answer(web, survey, {"q1": "o1", "q3": "3"}).status_code == 302
    web.cookies.pop("sessionid")
    assert answer(web, survey, {"q1": "o1", "q3": "2"}).status_code == 302
    assert Response.objects.count() == 2


def test_a_logged_in_resident_answers_once_and_earns_points(survey, resident, client, login):
    web = in_english(login(resident))
    assert answer(web, survey, {"q1": "o1", "q3": "3"}).status_code == 302
    assert Response.objects.get().user == resident
    entry = PointEntry.objects.get(citizen__user=resident)
    assert entry.ref == f"questionnaire:{survey.pk}" and entry.rule.code == "questionnaire_answered"
    # A new session of the same account is refused too.
    web.cookies.pop("sessionid")
    web = login(resident)
    assert answer(web, survey, {"q1": "o1", "q3": "3"}).status_code == 409
    assert Response.objects.count() == 1 and PointEntry.objects.count() == 1


def test_a_post_without_the_pages_session_is_sent_back(survey, web):
    response = web.post(answer_url(survey), {"q1": "o1", "q3": "3"})
    assert response.status_code == 400
    assert "Your session had expired" in response.content.decode()
    assert not Response.objects.exists()
    # The page now has a session: sending again works.
    assert web.post(answer_url(survey), {"q1": "o1", "q3": "3"}).status_code == 302


def test_answers_from_one_address_are_capped_per_day(survey, web, settings):
    settings.WENMING_QUESTIONNAIRE_IP_DAILY_CAP = 2
    for _ in range(2):
        web.cookies.pop("sessionid", None)
        assert answer(web, survey, {"q1": "o1", "q3": "3"}).status_code == 302
    web.cookies.pop("sessionid")
    refused = answer(web, survey, {"q1": "o1", "q3": "3"})
    assert refused.status_code == 429
    assert "Too many answers to this questionnaire have come from your network today." in refused.content.decode()
    assert Response.objects.count() == 2
    # Another address is not affected.
    web.cookies.pop("sessionid")
    web.get(answer_url(survey), REMOTE_ADDR="10.0.0.9")
    assert web.post(answer_url(survey), {"q1": "o1", "q3": "3"}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_cap_counts_only_today(survey, settings):
    settings.WENMING_QUESTIONNAIRE_IP_DAILY_CAP = 1
    yesterday = timezone.now() - timedelta(days=1)
    Response.objects.create(
        questionnaire=survey, version=services.current_version(survey), ip_hash="h", submitted_at=yesterday
    )
    services.submit(survey, {"q1": "o1", "q3": "3"}, session_token="t1", ip_hash="h")
    with pytest.raises(services.TooManyFromAddress):
        services.submit(survey, {"q1": "o1", "q3": "3"}, session_token="t2", ip_hash="h")


def test_too_many_submissions_are_rate_limited(survey, web, settings):
    settings.WENMING_PORTAL_LIMITS = {"answer": {"ip": (2, 3600)}}
    web.get(answer_url(survey))
    assert web.post(answer_url(survey), {"q1": "o9"}).status_code == 400
    assert web.post(answer_url(survey), {"q1": "o9"}).status_code == 400
    limited = web.post(answer_url(survey), {"q1": "o1", "q3": "3"})
    assert limited.status_code == 429
    assert "Too many submissions in a short time." in limited.content.decode()
    assert limited["Retry-After"]
    assert not Response.objects.exists()


def test_a_wrong_captcha_is_refused_and_nothing_is_saved(city, web):
    q = build(city, choice("A?", "是", "否"), ask_area=False, require_captcha=True)
    page = web.get(answer_url(q))
    assert 'name="captcha"' in page.content.decode()
    expected = web.session[protection.CAPTCHA_SESSION_KEY]
    wrong = str(int(expected) + 1)
    refused = web.post(answer_url(q), {"q1": "o1", "captcha": wrong})
    assert refused.status_code == 400
    assert "The answer to the sum was not right. Please try again." in refused.content.decode()
    assert not Response.objects.exists()
    # The refused page asks a new sum; answering it right is accepted.
    right = web.session[protection.CAPTCHA_SESSION_KEY]
    assert web.post(answer_url(q), {"q1": "o1", "captcha": right}).status_code == 302
    assert Response.objects.count() == 1


def test_a_missing_captcha_is_refused(city, web):
    q = build(city, choice("A?", "是", "否"), ask_area=False, require_captcha=True)
    web.get(answer_url(q))
    assert web.post(answer_url(q), {"q1": "o1"}).status_code == 400
    assert not Response.objects.exists()


def test_a_closed_questionnaire_says_so_and_takes_nothing(survey, web, city):
    web.get(answer_url(survey))
    services.close(survey, city.users["campaign_admin"])
    page = web.get(answer_url(survey))
    assert "This questionnaire is closed." in page.content.decode()
    assert 'name="q1"' not in page.content.decode()
    refused = web.post(answer_url(survey), {"q1": "o1", "q3": "3"})
    assert refused.status_code == 403
    assert "This questionnaire is closed." in refused.content.decode()
    assert not Response.objects.exists()


def test_outside_the_window_the_dates_are_given(city, web):
    admin = city.users["campaign_admin"]
    q = build(city, choice("A?", "是", "否"), publish=False, ask_area=False)
    opens = timezone.now() + timedelta(days=1)
    services.publish(q, admin, opens_at=opens, closes_at=opens + timedelta(days=7))
    page = web.get(answer_url(q)).content.decode()
    assert "This questionnaire opens on " in page
    assert web.post(answer_url(q), {"q1": "o1"}).status_code == 403
    q.refresh_from_db()
    later = opens + timedelta(days=8)
    assert services.not_accepting_reason(q, later).startswith("This questionnaire closed on ")
    with pytest.raises(services.NotAccepting):
        services.submit(q, {"q1": "o1"}, session_token="t", now=later)
    assert not Response.objects.exists()


def test_a_draft_questionnaire_is_not_found(city, web):
    q = build(city, choice("A?", "是", "否"), publish=False)
    assert web.get(answer_url(q)).status_code == 404


def test_a_questionnaire_for_logged_in_residents_sends_strangers_to_log_in(city, web, resident, login):
    q = build(city, choice("A?", "是", "否"), ask_area=False, allow_anonymous=False)
    response = web.get(answer_url(q))
    assert response.status_code == 302 and reverse("participation:login") in response["Location"]
    assert web.post(answer_url(q), {"q1": "o1"}).status_code == 302
    assert not Response.objects.exists()
    web = login(resident)
    assert answer(web, q, {"q1": "o1"}).status_code == 302
    assert Response.objects.get().user == resident


def test_a_blocked_account_may_not_answer(survey, resident, login):
    citizen = resident.citizen
    citizen.blocked_at = timezone.now()
    citizen.save()
    web = login(resident)
    assert answer(web, survey, {"q1": "o1", "q3": "3"}).status_code == 403
    assert not Response.objects.exists()


def test_the_area_stored_is_the_deepest_chosen(city, web):
    q = build(city, choice("A?", "是", "否"), ask_area=True)
    assert answer(web, q, {"q1": "o1", "district": "990101", "street": "990101002"}).status_code == 302
    web.cookies.pop("sessionid")
    assert answer(web, q, {"q1": "o1", "district": "990102"}).status_code == 302
    assert [r.area.code for r in Response.objects.order_by("id")] == ["990101002", "990102"]


@pytest.mark.parametrize(
    "area, message",
    [
        ({}, "Choose the district where you live."),
        ({"district": "990199"}, "Choose a district from the list."),
        ({"district": "990101001"}, "Choose a district from the list."),
        ({"district": "990101", "street": "990102001"}, "Choose a street of 西区 from the list."),
    ],
)
def test_a_bad_area_is_refused(city, web, area, message):
    q = build(city, choice("A?", "是", "否"), ask_area=True)
    response = answer(web, q, {"q1": "o1", **area})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Response.objects.exists()


def test_the_streets_of_a_district_are_offered(city, web):
    q = build(city, choice("A?", "是", "否"), ask_area=True)
    page = web.get(answer_url(q)).content.decode()
    assert 'hx-get="/questionnaires/streets/"' in page
    assert "东一街道" in page and "西二街道" in page  # without JS every street is there, by district
    options = web.get(reverse("participation:questionnaire_streets"), {"district": "990101"}).content.decode()
    assert "西一街道" in options and "西二街道" in options and "东一街道" not in options


def test_the_list_shows_open_questionnaires_and_what_was_answered(city, web):
    open_one = build(city, choice("A?", "是", "否"), ask_area=False, title="文明交通知晓率")
    build(city, choice("B?", "是", "否"), publish=False, title="草稿问卷")
    page = web.get(reverse("participation:questionnaire_list")).content.decode()
    assert "文明交通知晓率" in page and "草稿问卷" not in page and "answered" not in page
    answer(web, open_one, {"q1": "o1"})
    assert "answered" in web.get(reverse("participation:questionnaire_list")).content.decode()


def test_respondents_answer_the_version_current_when_they_send(survey, web, city):
    admin = city.users["campaign_admin"]
    services.add_item(survey, admin, text("新问题", required=True))
    services.publish(survey, admin)
    web.get(answer_url(survey))
    assert web.post(answer_url(survey), {"q1": "o1", "q3": "3"}).status_code == 400  # q6 is required now
    assert answer(web, survey, {"q1": "o1", "q3": "3", "q6": "好"}, fresh=False).status_code == 302
    assert Response.objects.get().version.number == 2
