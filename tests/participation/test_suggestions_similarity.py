"""Similar suggestions are found by words (jieba), weighted by how rare a word is, not by shared characters alone."""

import pytest
from django.utils import timezone

from wenming.participation import similarity
from wenming.participation.models import Suggestion, SuggestionTopic
from wenming.participation.services import suggestions as service


@pytest.fixture
def topics(city):
    service.seed_topics()
    return {t.name: t for t in SuggestionTopic.objects.all()}


@pytest.fixture
def published(topics, resident):
    def make(title, body="", topic="市容环境", status="published"):
        now = timezone.now()
        suggestion = Suggestion.objects.create(
            number=f"JY{Suggestion.objects.count():012d}",
            topic=topics[topic],
            title=title,
            body=body or title,
            author=resident,
            status=status,
            words=similarity.words_of(title, body or title),
            created_at=now,
            updated_at=now,
        )
        return suggestion

    return make


CORPUS = [
    ("公园里垃圾桶太少了，希望多放几个", "每到周末公园里人很多，垃圾没地方扔。", "市容环境"),
    ("地铁站台增加座椅", "地铁站台上没有座椅，老人等车很辛苦。", "公共服务"),
    ("学校门口接送车辆乱停", "放学时间学校门口车辆乱停，交通堵塞。", "交通秩序"),
    ("小区楼道堆放杂物", "楼道里堆满了杂物，存在消防隐患。", "公共文明"),
    ("河边步道路灯不亮", "晚上河边散步，步道的路灯坏了好几个。", "公共服务"),
    ("增加公交线路班次", "早高峰公交太挤，建议增加班次。", "交通秩序"),
]


def test_words_are_cut_by_jieba_without_function_words():
    words = similarity.tokens("建议在公园增加垃圾桶")
    assert "公园" in words and "垃圾桶" in words and "增加" in words
    assert "建议" not in words and "在" not in words
    assert similarity.tokens("，。！？ 的 了") == []


def test_words_are_stored_on_the_suggestion_with_spaces_around(published):
    suggestion = published("公园里垃圾桶太少了", "希望多放几个")
    assert " 公园 " in suggestion.words and " 垃圾桶 " in suggestion.words


def test_a_park_bin_suggestion_finds_the_park_bins_and_not_the_metro_seats(published):
    for title, body, topic in CORPUS:
        published(title, body, topic)
    found = service.similar("建议在公园增加垃圾桶")
    titles = [s.title for s in found]
    assert titles[0] == "公园里垃圾桶太少了，希望多放几个"
    assert "地铁站台增加座椅" not in titles
    assert "增加公交线路班次" not in titles
    assert all(s.score >= similarity.THRESHOLD for s in found)


def test_the_same_short_text_matches_even_with_a_different_cut(published):
    published("垃圾桶太少", "垃圾桶太少")
    found = service.similar("垃圾筒太少")  # a typo the segmenter cuts differently
    assert [s.title for s in found] == ["垃圾桶太少"]


def test_only_public_suggestions_are_compared(published):
    published("公园里垃圾桶太少了，希望多放几个", status="pending")
    published("公园垃圾桶满了没人清理", status="hidden")
    published("公园垃圾桶太少", status="replied")
    assert [s.title for s in service.similar("公园垃圾桶")] == ["公园垃圾桶太少"]


def test_topic_and_exclude_narrow_the_result(published):
    a = published("公园里垃圾桶太少了", topic="市容环境")
    b = published("公园垃圾桶不够用", topic="生态环境")
    assert [s.pk for s in service.similar("公园垃圾桶", topic=a.topic)] == [a.pk]
    assert [s.pk for s in service.similar("公园垃圾桶", exclude=b)] == [a.pk]


def test_a_suggestion_published_after_the_index_was_built_is_found_at_once(published):
    published("河边步道路灯不亮")
    similarity.get_index()
    published("公园里垃圾桶太少了")
    assert [s.title for s in service.similar("公园垃圾桶")] == ["公园里垃圾桶太少了"]


def test_an_empty_or_stop_word_text_finds_nothing(published):
    published("公园里垃圾桶太少了")
    assert service.similar("") == []
    assert service.similar("建议希望的了") == []


def test_search_needs_every_word(published):
    published("公园里垃圾桶太少了")
    published("公园门口停车难")
    found = similarity.search(Suggestion.objects.all(), "公园 垃圾桶")
    assert [s.title for s in found] == ["公园里垃圾桶太少了"]
    assert similarity.search(Suggestion.objects.all(), "停车").count() == 1
