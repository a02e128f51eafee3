"""Building a questionnaire: items, generated keys, conditions, permissions, the builder pages."""

import pytest
from django.urls import reverse

from tests.participation.questionnaire_kit import build, choice, in_english, scale, text
from wenming.core.errors import Forbidden
from wenming.participation.models import Item, Questionnaire, QuestionnaireVersion
from wenming.participation.services import questionnaires as services
from wenming.participation.services.questionnaires import QuestionnaireError


@pytest.fixture
def admin(city):
    return city.users["campaign_admin"]


def keys(version):
    return [i.key for i in services.items_of(version)]


def test_keys_are_generated_in_order(city, admin):
    q = build(city, choice("A?", "是", "否"), scale("B?"), text("C?"), publish=False)
    assert keys(services.draft_version(q)) == ["q1", "q2", "q3"]
    assert [o["key"] for o in services.items_of(services.draft_version(q))[0].options] == ["o1", "o2"]


def test_a_removed_question_never_gives_its_key_to_a_new_one(city, admin):
    q = build(city, choice("A?", "是", "否"), text("B?"), text("C?"))
    services.remove_item(q, admin, "q3")
    services.add_item(q, admin, text("D?"))
    draft = services.draft_version(q)
    assert draft.number == 2
    assert keys(draft) == ["q1", "q2", "q4"]


def test_a_removed_answer_never_gives_its_key_to_a_new_one(city, admin):
    q = build(city, choice("A?", "好", "中", "差"))
    services.update_item(
        q,
        admin,
        "q1",
        {
            **choice("A?"),
            "options": [{"key": "o1", "label": "好"}, {"key": "o2", "label": "中"}, {"key": "", "label": "很差"}],
        },
    )
    options = services.items_of(services.draft_version(q))[0].options
    assert [(o["key"], o["label"]) for o in options] == [("o1", "好"), ("o2", "中"), ("o4", "很差")]


def test_keys_stay_when_questions_are_reordered_and_copied(city, admin):
    q = build(city, choice("A?", "是", "否"), text("B?"), scale("C?"))
    services.move_item(q, admin, "q3", "up")
    draft = services.draft_version(q)
    assert keys(draft) == ["q1", "q3", "q2"]
    # The published version is frozen: still as it was.
    assert keys(services.current_version(q)) == ["q1", "q2", "q3"]


def test_editing_an_open_questionnaire_makes_a_draft_copy(city, admin):
    q = build(city, choice("您对市容满意吗?", "满意", "不满意"))
    v1 = services.current_version(q)
    services.update_item(q, admin, "q1", choice("您对市容环境满意吗?", "满意", "不满意"))
    services.update_item(q, admin, "q1", choice("您对市容环境是否满意?", "满意", "不满意"))
    assert QuestionnaireVersion.objects.filter(questionnaire=q).count() == 2
    assert Item.objects.get(version=v1).text == "您对市容满意吗?"
    assert Item.objects.get(version=services.draft_version(q)).text == "您对市容环境是否满意?"


def test_a_condition_on_a_later_question_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否"), choice("B?", "是", "否"), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.update_item(q, admin, "q1", choice("A?", "是", "否", show_if=("q2", ["o1"])))
    assert refused.value.errors["show_if_item"] == "A condition must refer to an earlier question."
    assert services.items_of(services.draft_version(q))[0].show_if_item == ""


def test_a_condition_on_the_question_itself_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否"), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.update_item(q, admin, "q1", choice("A?", "是", "否", show_if=("q1", ["o1"])))
    assert refused.value.errors["show_if_item"] == "A condition must refer to an earlier question."


def test_a_condition_on_an_unknown_answer_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否"), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.add_item(q, admin, text("Why?", show_if=("q1", ["o9"])))
    assert refused.value.errors["show_if_item"] == "q1 “A?” has no answer o9."
    assert keys(services.draft_version(q)) == ["q1"]


def test_a_condition_on_a_missing_or_text_question_is_refused(city, admin, english):
    q = build(city, text("A?"), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.add_item(q, admin, text("B?", show_if=("q1", ["x"])))
    assert refused.value.errors["show_if_item"] == "A condition must refer to a single or multiple choice question."
    with pytest.raises(QuestionnaireError) as refused:
        services.add_item(q, admin, text("B?", show_if=("q7", ["o1"])))
    assert "not in this questionnaire" in refused.value.errors["show_if_item"]


def test_a_condition_needs_at_least_one_answer(city, admin, english):
    q = build(city, choice("A?", "是", "否"), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.add_item(q, admin, text("B?", show_if=("q1", [])))
    assert refused.value.errors["show_if_item"].startswith("Choose at least one answer of q1")


def test_moving_a_question_above_its_condition_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否"), text("Why?", show_if=("q1", ["o2"])), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.move_item(q, admin, "q2", "up")
    assert refused.value.problems == ["The condition of q2 “Why?” refers to q1, which does not come before it."]
    assert keys(services.draft_version(q)) == ["q1", "q2"]


def test_removing_a_question_a_condition_refers_to_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否"), text("Why?", show_if=("q1", ["o2"])), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.remove_item(q, admin, "q1")
    assert refused.value.problems == ["The condition of q2 “Why?” refers to q1, which is not in this version."]
    assert keys(services.draft_version(q)) == ["q1", "q2"]


def test_removing_an_answer_a_condition_refers_to_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否", "不知道"), text("Why?", show_if=("q1", ["o2"])), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.update_item(
            q,
            admin,
            "q1",
            {**choice("A?"), "options": [{"key": "o1", "label": "是"}, {"key": "o3", "label": "不知道"}]},
        )
    assert refused.value.problems == ["The condition of q2 “Why?” refers to answers that q1 no longer has."]


def test_changing_a_condition_source_to_text_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否"), text("Why?", show_if=("q1", ["o2"])), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.update_item(q, admin, "q1", text("A?"))
    assert "which is not a choice question" in refused.value.problems[0]


@pytest.mark.parametrize(
    "data, field, message",
    [
        (choice("A?", "只有一个"), "options", "A choice question needs at least two answers to choose from."),
        (choice("A?", "是", "是"), "options", "The answer “是” is there twice."),
        (choice("A?", "是", "否", scores=[101, 0]), "options", "A score is a number from 0 to 100 (or nothing)."),
        (choice("A?", "是", "否", scores=["很多", 0]), "options", "A score is a number from 0 to 100 (or nothing)."),
        (
            choice("A?", "是", "否", scored=True),
            "options",
            "A question that counts in the score needs scores on its answers.",
        ),
        (scale("A?", 5, 1), "scale", "The scale must go up from its lowest number to a higher one, within -10 to 100."),
        (scale("A?", 0, 20), "scale", "A scale may have at most 11 steps."),
        (scale("A?", "x", 5), "scale", "Give the scale's lowest and highest numbers."),
        (text(""), "text", "Write the question."),
        (text("长" * 301), "text", "The question may have at most 300 characters."),
        ({"kind": "matrix", "text": "A?"}, "kind", "Choose what kind of question this is."),
    ],
)
def test_a_bad_question_is_refused_with_its_reason(city, admin, english, data, field, message):
    q = build(city, publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.add_item(q, admin, data)
    assert refused.value.errors[field] == message
    assert not Item.objects.filter(version__questionnaire=q).exists()


def test_a_forged_option_key_is_refused(city, admin, english):
    q = build(city, choice("A?", "是", "否"), publish=False)
    with pytest.raises(QuestionnaireError) as refused:
        services.update_item(
            q, admin, "q1", {**choice("A?"), "options": [{"key": "o1", "label": "是"}, {"key": "o77", "label": "否"}]}
        )
    assert refused.value.errors["options"] == "Unknown answer key o77."


def test_the_other_answer_counts_as_a_choice_and_may_be_a_condition(city, admin):
    q = build(city, choice("A?", "公交", other=True), text("Which?", show_if=("q1", ["other"])), publish=False)
    item = services.items_of(services.draft_version(q))[1]
    assert item.show_if_values == ["other"]


def test_only_campaign_office_staff_build_questionnaires(city):
    with pytest.raises(Forbidden):
        services.create_questionnaire(city.users["street_handler"], title="x")
    q = build(city, choice("A?", "是", "否"), publish=False)
    with pytest.raises(Forbidden):
        services.add_item(q, city.users["district_leader"], text("B?"))
    with pytest.raises(Forbidden):
        services.publish(q, city.users["inspector"])


def test_the_builder_pages_are_for_the_campaign_office(city, login):
    q = build(city, choice("A?", "是", "否"))
    client = login(city.users["street_handler"])
    for name in ("questionnaire_list", "questionnaire_new"):
        assert client.get(reverse(f"participation_office:{name}")).status_code == 403
    assert client.get(reverse("participation_office:questionnaire_results", args=[q.pk])).status_code == 403
    assert client.get(reverse("participation_office:questionnaire_export", args=[q.pk])).status_code == 403
    client = login(city.users["campaign_admin"])
    assert client.get(reverse("participation_office:questionnaire_list")).status_code == 200


def test_a_questionnaire_is_created_and_built_in_the_pages(city, login, english):
    client = in_english(login(city.users["campaign_admin"]))
    response = client.post(reverse("participation_office:questionnaire_new"), {"title": "", "allow_anonymous": "1"})
    assert response.status_code == 400
    assert "Give the questionnaire a title." in response.content.decode()
    assert not Questionnaire.objects.exists()
    response = client.post(
        reverse("participation_office:questionnaire_new"), {"title": "文明出行知晓率", "ask_area": "1"}
    )
    q = Questionnaire.objects.get()
    assert response.status_code == 302 and not q.allow_anonymous and q.ask_area
    new_url = reverse("participation_office:questionnaire_item_new", args=[q.pk])
    response = client.post(
        new_url,
        {
            "kind": "single",
            "text": "您知道文明出行吗?",
            "required": "1",
            "opt_key": ["", "", ""],
            "opt_label": ["知道", "不知道", ""],
            "opt_score": ["100", "0", ""],
        },
    )
    assert response.status_code == 302
    # With htmx: the refreshed list comes back, aimed at #items.
    response = client.post(
        new_url,
        {
            "kind": "text",
            "text": "为什么不知道?",
            "show_if_item": "q1",
            "show_if_values": ["q1:o2"],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#items"
    assert "Shown only if q1 is answered with: 不知道" in response.content.decode()
    item = Item.objects.get(key="q2")
    assert (item.show_if_item, item.show_if_values) == ("q1", ["o2"])
    # A bad question: the form comes back with its reason, status 400, nothing saved.
    response = client.post(new_url, {"kind": "single", "text": "x", "opt_label": ["只有一个"]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "at least two answers" in response.content.decode()
    assert 'class="q-item-form form"' in response.content.decode()
    assert Item.objects.count() == 2
    page = client.get(reverse("participation_office:questionnaire_edit", args=[q.pk]))
    assert page.status_code == 200
    assert "您知道文明出行吗?" in page.content.decode()


def test_a_question_is_edited_moved_and_removed_in_the_pages(city, login):
    q = build(city, choice("A?", "是", "否"), text("B?"), publish=False)
    client = login(city.users["campaign_admin"])
    edit = reverse("participation_office:questionnaire_item_edit", args=[q.pk, "q2"])
    form = client.get(edit, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="text" value="B?"' in form.content.decode()
    assert client.post(edit, {"kind": "text", "text": "B, reworded?"}).status_code == 302
    assert Item.objects.get(key="q2").text == "B, reworded?"
    move = reverse("participation_office:questionnaire_item_move", args=[q.pk, "q2"])
    assert client.post(move, {"direction": "up"}, HTTP_HX_REQUEST="true").status_code == 200
    assert keys(services.draft_version(q)) == ["q2", "q1"]
    remove = reverse("participation_office:questionnaire_item_remove", args=[q.pk, "q1"])
    assert client.post(remove).status_code == 302
    assert keys(services.draft_version(q)) == ["q2"]


def test_a_refused_move_in_the_pages_lists_the_problem(city, login, english):
    q = build(city, choice("A?", "是", "否"), text("Why?", show_if=("q1", ["o2"])), publish=False)
    client = in_english(login(city.users["campaign_admin"]))
    move = reverse("participation_office:questionnaire_item_move", args=[q.pk, "q2"])
    response = client.post(move, {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "does not come before it" in response.content.decode()
    assert keys(services.draft_version(q)) == ["q1", "q2"]


def test_the_office_list_counts_responses_in_a_fixed_number_of_queries(city, login, django_assert_max_num_queries):
    for n in range(3):
        q = build(city, choice("A?", "是", "否"), ask_area=False, title=f"问卷{n}")
        services.add_item(q, city.users["campaign_admin"], text("B?"))
        services.publish(q, city.users["campaign_admin"])
        for token in ("a", "b"):
            services.submit(q, {"q1": "o1"}, session_token=token)
    client = login(city.users["campaign_admin"])
    with django_assert_max_num_queries(12):
        body = client.get(reverse("participation_office:questionnaire_list")).content.decode()
    assert body.count('<td class="num">2</td>') == 3 and body.count("<td>2</td>") == 3
