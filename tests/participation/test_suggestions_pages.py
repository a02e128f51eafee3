"""The public pages: list with tabs, topics and word search, the suggestion's page, no personal data, escaped text."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.participation.conftest import make_resident
from tests.participation.suggestion_helpers import configure
from wenming.participation.models import Suggestion
from wenming.participation.services import suggestions as service


def listed(client, **params):
    response = client.get(reverse("participation:suggestion_list"), params)
    assert response.status_code == 200
    return [s.title for s in response.context["page"]]


def test_the_list_shows_public_suggestions_newest_first(client, suggest, resident):
    older = suggest(resident, title="公园垃圾桶太少", body="希望多放几个")
    Suggestion.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    suggest(resident, title="地铁站台增加座椅", body="老人等车辛苦")
    hidden = suggest(resident, title="被隐藏的建议", body="内容")
    Suggestion.objects.filter(pk=hidden.pk).update(status="hidden")
    configure(premoderate_suggestions=True)
    suggest(resident, title="待审核的建议", body="内容")
    assert listed(client) == ["地铁站台增加座椅", "公园垃圾桶太少"]


def test_the_tabs_sort_by_supports_and_show_replied_ones(client, suggest, resident, city):
    a = suggest(resident, title="甲建议", body="甲")
    b = suggest(resident, title="乙建议", body="乙")
    service.support(a, make_resident("支持者", "13900000011"))
    Suggestion.objects.filter(pk=a.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert listed(client, tab="supported") == ["甲建议", "乙建议"]
    service.reply(b, city.users["campaign_admin"], text="已答复")
    assert listed(client, tab="replied") == ["乙建议"]
    assert listed(client, tab="nonsense") == ["乙建议", "甲建议"]


def test_the_list_filters_by_topic_and_searches_words(client, suggest, resident, topics):
    suggest(resident, title="公园里垃圾桶太少了", body="希望多放", topic="市容环境")
    suggest(resident, title="学校门口车辆乱停", body="交通堵塞", topic="交通秩序")
    assert listed(client, topic=topics["交通秩序"].pk) == ["学校门口车辆乱停"]
    assert listed(client, q="垃圾桶") == ["公园里垃圾桶太少了"]
    assert listed(client, q="公园 垃圾桶") == ["公园里垃圾桶太少了"]
    assert listed(client, q="地铁") == []


def test_the_list_is_paginated(client, suggest, resident):
    for i in range(23):
        Suggestion.objects.create(
            number=f"JY20250101{i:04d}",
            topic=service.SuggestionTopic.objects.first(),
            title=f"建议{i}",
            body="内容",
            author=resident,
            status="published",
            created_at=timezone.now(),
            updated_at=timezone.now(),
        )
    assert len(listed(client)) == 20
    assert len(listed(client, page=2)) == 3


def test_only_the_nickname_is_shown_never_phone_or_email(client, suggest, resident, neighbour):
    resident.citizen.email = "wang@example.org"
    resident.citizen.save()
    suggestion = suggest(resident)
    nameless = make_resident("", "13900000033")
    other = suggest(nameless, title="河边路灯不亮", body="晚上看不清")
    list_html = client.get(reverse("participation:suggestion_list")).content.decode()
    detail_html = client.get(reverse("participation:suggestion_detail", args=[suggestion.number])).content.decode()
    for html in (list_html, detail_html):
        assert "13900000001" not in html and "wang@example.org" not in html
    assert "小王" in detail_html
    with_default = client.get(reverse("participation:suggestion_detail", args=[other.number])).content.decode()
    assert "13900000033" not in with_default
    assert service.author_label(Suggestion.objects.get(pk=other.pk)) == service.author_label(Suggestion(author=None))


def test_script_in_a_suggestion_is_shown_as_text(client, suggest, resident):
    suggestion = suggest(resident, title="<script>alert('t')</script>", body="<img src=x onerror=alert(1)>")
    for url in (
        reverse("participation:suggestion_list"),
        reverse("participation:suggestion_detail", args=[suggestion.number]),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_the_page_shows_supports_the_threshold_and_the_reply(client, suggest, resident, city, english):
    configure(support_threshold=2)
    suggestion = suggest(resident)
    url = reverse("participation:suggestion_detail", args=[suggestion.number])
    html = client.get(url).content.decode()
    assert 'data-testid="threshold"' in html and "With 2 more supporters" in html
    service.support(suggestion, make_resident("甲", "13900000011"))
    service.support(suggestion, make_resident("乙", "13900000012"))
    html = client.get(url).content.decode()
    due = Suggestion.objects.get(pk=suggestion.pk).reply_due_at
    assert 'data-testid="reply-due"' in html and timezone.localtime(due).strftime("%Y-%m-%d") in html
    service.reply(suggestion, city.users["campaign_admin"], text="已增设垃圾桶")
    html = client.get(url).content.decode()
    assert 'data-testid="reply"' in html and "已增设垃圾桶" in html and 'data-testid="reply-due"' not in html


def test_a_pending_suggestion_is_visible_to_its_author_only_with_its_status(
    client, login, suggest, resident, neighbour, english
):
    configure(premoderate_suggestions=True)
    suggestion = suggest(resident)
    url = reverse("participation:suggestion_detail", args=[suggestion.number])
    assert client.get(url).status_code == 404
    assert login(neighbour).get(url).status_code == 404
    html = login(resident).get(url).content.decode()
    assert "Awaiting moderation" in html and 'data-testid="support"' not in html


def test_an_unknown_number_is_404(client, topics):
    assert client.get(reverse("participation:suggestion_detail", args=["JY202501010001"])).status_code == 404


def test_the_similar_fragment_lists_suggestions_with_support_buttons(login, suggest, resident, neighbour):
    existing = suggest(resident, title="公园里垃圾桶太少了，希望多放几个", body="周末垃圾没地方扔")
    suggest(resident, title="地铁站台增加座椅", body="老人等车辛苦")
    response = login(neighbour).get(
        reverse("participation:suggestion_similar"), {"title": "建议在公园增加垃圾桶", "body": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert existing.title in html and "地铁站台增加座椅" not in html
    assert reverse("participation:suggestion_support", args=[existing.number]) in html


def test_the_similar_fragment_is_empty_for_empty_text(client, topics):
    response = client.get(reverse("participation:suggestion_similar"), {"title": "", "body": ""})
    assert response.status_code == 200 and response.content.decode().strip() == ""
