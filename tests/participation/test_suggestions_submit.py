"""Submitting a suggestion: numbers, topics, location, photos, pre-moderation; bad input saves nothing."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.participation.suggestion_helpers import EAST, OUTSIDE, WEST, configure, fake_image, jpeg
from wenming.core.models import Sequence
from wenming.participation.models import PointEntry, Suggestion, SuggestionPhoto, SuggestionTopic
from wenming.participation.services import suggestions as service


def files_in(root) -> list:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_the_migration_seeds_the_topics_in_chinese(db):
    assert list(SuggestionTopic.objects.values_list("name", flat=True)) == [
        "市容环境",
        "交通秩序",
        "公共文明",
        "公共服务",
        "生态环境",
        "其他",
    ]


def test_a_suggestion_is_published_at_once_with_a_number_a_deadline_and_points(suggest, resident):
    now = timezone.now()
    suggestion = suggest(resident, where=WEST)
    assert suggestion.number == f"JY{timezone.localtime(now):%Y%m%d}0001"
    assert suggestion.status == "published"
    assert suggestion.area.code == "990101001001001"
    assert suggestion.responsible_unit.code == "WCCB"  # the district's campaign office
    assert (suggestion.supports_close_at - suggestion.created_at).days == 90
    assert " 垃圾桶 " in suggestion.words
    assert PointEntry.objects.filter(citizen__user=resident, rule__code="suggestion_published").count() == 1


def test_numbers_count_up_per_day_in_the_shared_sequence(suggest, resident, neighbour):
    first = suggest(resident)
    second = suggest(neighbour, title="地铁站台增加座椅", body="老人等车很辛苦")
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    assert Sequence.objects.get(prefix=first.number[:10]).last == 2


def test_without_a_location_the_city_campaign_office_answers(suggest, resident):
    assert suggest(resident).responsible_unit.code == "CCB"
    assert (
        suggest(resident, title="东区路灯", body="东区路灯坏了", where=EAST).responsible_unit.code == "CCB"
    )  # 东区 has no office


def test_the_topic_unit_answers_when_the_topic_has_one(suggest, resident, topics, city):
    topics["交通秩序"].responsible_unit = city.units["D1"]
    topics["交通秩序"].save()
    assert suggest(resident, topic="交通秩序", where=WEST).responsible_unit.code == "D1"


def test_with_pre_moderation_it_waits_without_deadline_or_points(suggest, resident):
    configure(premoderate_suggestions=True)
    suggestion = suggest(resident)
    assert suggestion.status == "pending"
    assert suggestion.supports_close_at is None and suggestion.responsible_unit is None
    assert not PointEntry.objects.exists()


def test_up_to_four_photos_are_kept_as_public_copies_only(suggest, resident, media):
    suggestion = suggest(resident, photos=[jpeg(f"p{i}.jpg") for i in range(4)])
    photos = list(suggestion.photos.all())
    assert len(photos) == 4
    assert all(p.image.name.endswith("-public.jpg") and p.thumbnail.name.endswith("-thumb.jpg") for p in photos)
    assert len(files_in(media)) == 8  # no original is stored


def test_the_same_text_sent_twice_is_one_suggestion(suggest, resident):
    assert suggest(resident).pk == suggest(resident).pk
    assert Suggestion.objects.count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "长" * 61}, "title"),
        ({"body": ""}, "body"),
        ({"body": "长" * 3001}, "body"),
        ({"topic": None}, "topic"),
        ({"topic": "999"}, "topic"),
        ({"lon": OUTSIDE[0], "lat": OUTSIDE[1]}, "location"),
        ({"lon": "abc", "lat": "40"}, "location"),
        ({"lon": "nan", "lat": "nan"}, "location"),
        ({"lon": "111.02", "lat": ""}, "location"),
        ({"photos": [jpeg(f"p{i}.jpg") for i in range(5)]}, "photos"),
        ({"photos": [jpeg(), fake_image()]}, "photos"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(topics, resident, media, english, changes, field):
    values = {
        "topic": topics["市容环境"],
        "title": "公园垃圾桶",
        "body": "公园里垃圾桶太少",
        "lon": WEST[0],
        "lat": WEST[1],
        "photos": [jpeg()],
    }
    values.update(changes)
    with pytest.raises(service.Invalid) as caught:
        service.submit(resident, **values)
    assert field in caught.value.fields
    assert caught.value.status == 400
    assert not Suggestion.objects.exists() and not SuggestionPhoto.objects.exists()
    assert files_in(media) == []
    assert not Sequence.objects.exists()


def test_a_location_outside_the_city_says_so(topics, resident, english):
    with pytest.raises(service.Invalid) as caught:
        service.submit(resident, topic=topics["其他"], title="a", body="b", lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert caught.value.fields["location"] == "the place you chose lies outside the city"


def test_a_blocked_citizen_cannot_submit(suggest, resident):
    resident.citizen.blocked_at = timezone.now()
    resident.citizen.blocked_reason = "辱骂"
    resident.citizen.save()
    with pytest.raises(service.Forbidden):
        suggest(resident)
    assert not Suggestion.objects.exists()


# Through the form


def test_the_form_asks_to_log_in_first(client, topics):
    response = client.get(reverse("participation:suggestion_new"))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_the_form_shows_topics_and_the_similar_search(login, resident, topics):
    response = login(resident).get(reverse("participation:suggestion_new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "市容环境" in html and reverse("participation:suggestion_similar") in html
    # keyup as typed on a keyboard; input for what an IME or a paste puts in without keys
    assert 'hx-trigger="keyup changed delay:400ms, input changed delay:400ms"' in html


def test_the_form_submits_with_photos_and_a_tapped_place(login, resident, topics, media, no_limits):
    client = login(resident)
    response = client.post(
        reverse("participation:suggestion_new"),
        {
            "topic": topics["公共服务"].pk,
            "title": "河边步道路灯不亮",
            "body": "晚上散步看不清",
            "lon": "111.02",
            "lat": "40.02",
            "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
        },
    )
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("participation:suggestion_detail", args=[suggestion.number])
    assert suggestion.photos.count() == 2 and suggestion.area.code == "990101001001001"


def test_the_form_refuses_a_fake_image_with_400_and_keeps_the_text(login, resident, topics, media, no_limits):
    response = login(resident).post(
        reverse("participation:suggestion_new"),
        {
            "topic": topics["公共服务"].pk,
            "title": "河边步道路灯不亮",
            "body": "晚上散步看不清",
            "photos": [fake_image("x.jpg")],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "x.jpg" in html and "河边步道路灯不亮" in html
    assert not Suggestion.objects.exists() and files_in(media) == []


def test_the_form_escapes_script_in_the_text_it_shows_back(login, resident, topics, no_limits):
    response = login(resident).post(
        reverse("participation:suggestion_new"),
        {
            "topic": "",
            "title": "<script>alert(1)</script>",
            "body": "x",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_too_many_submissions_are_refused_with_429(login, resident, topics, settings):
    settings.WENMING_PORTAL_LIMITS = {"suggest": {"account": (2, 3600), "ip": (100, 3600)}}
    client = login(resident)
    for i in range(2):
        client.post(
            reverse("participation:suggestion_new"),
            {"topic": topics["其他"].pk, "title": f"建议{i}", "body": f"内容{i}"},
        )
    response = client.post(
        reverse("participation:suggestion_new"), {"topic": topics["其他"].pk, "title": "建议3", "body": "内容3"}
    )
    assert response.status_code == 429
    assert Suggestion.objects.count() == 2
