"""Versions: publishing, the window, closing, and changes that would break stored answers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.participation.questionnaire_kit import answer, build, choice, in_english, scale, text
from wenming.participation.models import Questionnaire
from wenming.participation.services import questionnaires as services
from wenming.participation.services.questionnaires import QuestionnaireError


@pytest.fixture
def admin(city):
    return city.users["campaign_admin"]


@pytest.fixture
def answered(city, admin, client):
    """An open questionnaire with stored answers: q1 o2 (中), q1 other, q2 4, q3 o1+o3."""
    q = build(
        city,
        choice("您对市容环境满意吗?", "满意", "一般", "不满意", other=True),
        scale("打分", 1, 5),
        choice("您常去哪里?", "公园", "广场", "商场", kind="multiple"),
        text("建议", required=False),
        ask_area=False,
    )
    assert answer(client, q, {"q1": "o2", "q2": "4", "q3": ["o1", "o3"]}).status_code == 302
    client.cookies.clear()
    assert answer(client, q, {"q1": "other", "q1_other": "还行", "q2": "2", "q3": ["o1"]}).status_code == 302
    return q


def test_publishing_opens_the_questionnaire_and_freezes_the_version(city, admin):
    q = build(city, choice("A?", "是", "否"), publish=False)
    assert services.state(q) == "draft"
    version = services.publish(q, admin)
    q.refresh_from_db()
    assert q.status == Questionnaire.Status.OPEN and services.state(q) == "open"
    assert version.published_at is not None and services.draft_version(q) is None


def test_a_questionnaire_without_questions_is_not_published(city, admin, english):
    q = build(city, publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.publish(q, admin)
    assert refused.value.problems == ["Add at least one question."]
    q.refresh_from_db()
    assert q.status == Questionnaire.Status.DRAFT


def test_the_window_must_be_in_order_and_not_over(city, admin, english):
    q = build(city, choice("A?", "是", "否"), publish=False)
    now = timezone.now()
    with pytest.raises(QuestionnaireError) as refused:
        services.publish(q, admin, opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=1))
    assert refused.value.problems == ["The closing time must come after the opening time."]
    with pytest.raises(QuestionnaireError) as refused:
        services.publish(q, admin, opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    assert refused.value.problems == ["The closing time has already passed."]
    services.publish(q, admin, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=8))
    q.refresh_from_db()
    assert services.state(q) == "scheduled"
    assert services.state(q, now + timedelta(days=2)) == "open"
    assert services.state(q, now + timedelta(days=9)) == "ended"


def test_closing_stops_answers_and_opening_again_takes_a_new_window(city, admin):
    q = build(city, choice("A?", "是", "否"))
    services.close(q, admin)
    q.refresh_from_db()
    assert services.state(q) == "closed" and q.closes_at <= timezone.now()
    services.publish(q, admin, closes_at=timezone.now() + timedelta(days=3))
    q.refresh_from_db()
    assert services.state(q) == "open" and services.current_version(q).number == 1


def test_a_new_version_keeps_the_window_unless_told(city, admin):
    closes = timezone.now() + timedelta(days=10)
    q = build(city, choice("A?", "是", "否"), publish=False)
    services.publish(q, admin, closes_at=closes)
    q.refresh_from_db()
    opened = q.opens_at
    services.add_item(q, admin, text("B?"))
    services.publish(q, admin)
    q.refresh_from_db()
    assert (q.opens_at, q.closes_at) == (opened, closes)
    assert services.current_version(q).number == 2


def test_changing_the_kind_of_an_answered_question_is_refused(answered, admin, english):
    services.update_item(answered, admin, "q2", text("打分"))
    with pytest.raises(QuestionnaireError) as refused:
        services.publish(answered, admin)
    assert refused.value.problems == ["q2 “打分” has stored answers, so its kind cannot change from “Scale” to “Text”."]
    assert services.current_version(answered).number == 1
    assert services.draft_version(answered).published_at is None


def test_removing_a_chosen_answer_is_refused(answered, admin, english):
    services.update_item(
        answered,
        admin,
        "q3",
        {
            **choice("您常去哪里?", kind="multiple"),
            "options": [{"key": "o1", "label": "公园"}, {"key": "o2", "label": "广场"}],
        },
    )
    with pytest.raises(QuestionnaireError) as refused:
        services.publish(answered, admin)
    assert refused.value.problems == [
        "q3 “您常去哪里?”: the answer “商场” (o3) was chosen 1 times, so it cannot be removed."
    ]


def test_removing_the_chosen_other_answer_is_refused(answered, admin, english):
    services.update_item(
        answered,
        admin,
        "q1",
        {
            **choice("您对市容环境满意吗?"),
            "options": [
                {"key": "o1", "label": "满意"},
                {"key": "o2", "label": "一般"},
                {"key": "o3", "label": "不满意"},
            ],
        },
    )
    with pytest.raises(QuestionnaireError) as refused:
        services.publish(answered, admin)
    assert refused.value.problems == [
        "q1 “您对市容环境满意吗?”: the “other” answer was chosen 1 times, so it cannot be removed."
    ]


def test_narrowing_a_scale_below_stored_answers_is_refused(answered, admin, english):
    services.update_item(answered, admin, "q2", scale("打分", 1, 3))
    with pytest.raises(QuestionnaireError) as refused:
        services.publish(answered, admin)
    assert refused.value.problems == ["q2 “打分”: 1 stored answers lie outside the new scale 1–3."]


def test_every_breaking_change_is_listed_at_once(answered, admin):
    services.update_item(answered, admin, "q2", scale("打分", 3, 5))
    services.update_item(
        answered,
        admin,
        "q3",
        {
            **choice("您常去哪里?", kind="multiple"),
            "options": [{"key": "o2", "label": "广场"}, {"key": "o3", "label": "商场"}],
        },
    )
    old, new = services.current_version(answered), services.draft_version(answered)
    assert len(services.check_compatible(old, new)) == 2


def test_allowed_changes_pass(answered, admin):
    # Rewording, a new answer, another order, an optional question, a wider scale, a new question, a dropped question.
    services.update_item(
        answered,
        admin,
        "q1",
        {
            **choice("您对本市市容环境满意吗?", required=False, other=True),
            "options": [
                {"key": "o1", "label": "非常满意"},
                {"key": "o2", "label": "一般"},
                {"key": "o3", "label": "不满意"},
                {"key": "", "label": "说不清"},
            ],
        },
    )
    services.update_item(answered, admin, "q2", scale("请打分", 0, 10))
    services.move_item(answered, admin, "q3", "up")
    services.remove_item(answered, admin, "q4")
    services.add_item(answered, admin, text("还有什么想说的?"))
    old, new = services.current_version(answered), services.draft_version(answered)
    assert services.check_compatible(old, new) == []
    services.publish(answered, admin)
    current = services.current_version(answered)
    assert current.number == 2
    assert [i.key for i in services.items_of(current)] == ["q1", "q3", "q2", "q5"]


def test_narrowing_a_scale_that_keeps_stored_answers_inside_passes(answered, admin):
    services.update_item(answered, admin, "q2", scale("打分", 2, 4))
    assert services.check_compatible(services.current_version(answered), services.draft_version(answered)) == []


def test_changes_without_stored_answers_pass(city, admin):
    q = build(city, choice("A?", "是", "否"), scale("B?"))
    services.update_item(q, admin, "q1", text("A?"))
    services.update_item(q, admin, "q2", scale("B?", 1, 2))
    assert services.check_compatible(services.current_version(q), services.draft_version(q)) == []


def test_a_refused_publication_is_listed_on_the_builder_page(answered, admin, login, english):
    services.update_item(answered, admin, "q2", text("打分"))
    client = in_english(login(admin))
    response = client.post(
        reverse("participation_office:questionnaire_publish", args=[answered.pk]), {"opens_at": "", "closes_at": ""}
    )
    assert response.status_code == 400
    assert "its kind cannot change from “Scale” to “Text”" in response.content.decode()
    assert services.current_version(answered).number == 1


def test_the_window_is_set_in_the_pages_in_local_time(city, admin, login):
    q = build(city, choice("A?", "是", "否"), publish=False)
    client = login(admin)
    response = client.post(
        reverse("participation_office:questionnaire_publish", args=[q.pk]),
        {"opens_at": "2030-01-01T08:00", "closes_at": "2030-01-31T18:00"},
    )
    assert response.status_code == 302
    q.refresh_from_db()
    assert timezone.localtime(q.opens_at).strftime("%Y-%m-%d %H:%M %Z") == "2030-01-01 08:00 CST"
    bad = client.post(reverse("participation_office:questionnaire_publish", args=[q.pk]), {"opens_at": "tomorrow"})
    assert bad.status_code == 400


def test_a_draft_copy_is_made_and_discarded_in_the_pages(city, admin, login):
    q = build(city, choice("A?", "是", "否"))
    client = login(admin)
    assert client.post(reverse("participation_office:questionnaire_revise", args=[q.pk])).status_code == 302
    assert services.draft_version(q).number == 2
    assert client.post(reverse("participation_office:questionnaire_discard", args=[q.pk])).status_code == 302
    assert services.draft_version(q) is None
    assert client.post(reverse("participation_office:questionnaire_close", args=[q.pk])).status_code == 302
    q.refresh_from_db()
    assert q.status == "closed"
