"""Supports (+1): once per person, withdrawable while open; the threshold makes a reply due in working days."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.concurrency import race
from tests.conftest import build_city
from tests.participation.conftest import make_resident
from tests.participation.suggestion_helpers import configure
from wenming.notifications.models import Notification
from wenming.participation.models import Suggestion, SuggestionSupport
from wenming.participation.services import suggestions as service
from wenming.workdays.calendar import get_calendar
from wenming.workdays.models import TimeUnit


@pytest.fixture
def published(suggest, resident):
    return suggest(resident)  # no location: the city's campaign office (CCB) answers


def test_a_support_counts_once_and_can_be_withdrawn(published, neighbour):
    assert service.support(published, neighbour).support_count == 1
    with pytest.raises(service.Conflict):
        service.support(published, neighbour)
    assert Suggestion.objects.get(pk=published.pk).support_count == 1
    assert service.withdraw_support(published, neighbour).support_count == 0
    assert not SuggestionSupport.objects.exists()
    with pytest.raises(service.Conflict):
        service.withdraw_support(published, neighbour)


def test_the_author_may_support_their_own_suggestion_once(published, resident):
    service.support(published, resident)
    with pytest.raises(service.Conflict):
        service.support(published, resident)
    assert Suggestion.objects.get(pk=published.pk).support_count == 1


@pytest.mark.parametrize("status", ["pending", "hidden", "rejected"])
def test_no_support_for_a_suggestion_that_is_not_public(published, neighbour, status):
    Suggestion.objects.filter(pk=published.pk).update(status=status)
    with pytest.raises(service.Conflict):
        service.support(published, neighbour)
    assert Suggestion.objects.get(pk=published.pk).support_count == 0


def test_no_support_or_withdrawal_after_the_supports_closed(published, neighbour):
    service.support(published, neighbour)
    Suggestion.objects.filter(pk=published.pk).update(supports_close_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(service.Conflict):
        service.support(published, make_resident("小张", "13900000003"))
    with pytest.raises(service.Conflict):
        service.withdraw_support(published, neighbour)
    assert Suggestion.objects.get(pk=published.pk).support_count == 1


def test_reaching_the_threshold_makes_a_reply_due_in_working_days_and_tells_the_unit(published, city):
    configure(support_threshold=2, reply_working_days=10)
    now = timezone.make_aware(datetime(2025, 9, 26, 10, 0))  # a Friday before the National Day holidays
    service.support(published, make_resident("甲", "13900000011"), now=now)
    assert Suggestion.objects.get(pk=published.pk).threshold_reached_at is None
    service.support(published, make_resident("乙", "13900000012"), now=now)
    suggestion = Suggestion.objects.get(pk=published.pk)
    assert suggestion.threshold_reached_at == now
    expected, _provisional = get_calendar().deadline(now, 10, TimeUnit.WORKING_DAYS)
    assert suggestion.reply_due_at == expected
    assert suggestion.reply_due_at > now + timedelta(days=14)  # weekends and the holidays do not count
    notes = Notification.objects.filter(user=city.users["campaign_admin"], case__isnull=True)
    assert notes.count() == 1 and published.number in notes.get().title


def test_withdrawing_below_the_threshold_keeps_the_reply_due(published):
    configure(support_threshold=1)
    supporter = make_resident("甲", "13900000011")
    service.support(published, supporter)
    due = Suggestion.objects.get(pk=published.pk).reply_due_at
    service.withdraw_support(published, supporter)
    service.support(published, supporter)
    suggestion = Suggestion.objects.get(pk=published.pk)
    assert suggestion.reply_due_at == due and suggestion.support_count == 1
    assert Notification.objects.filter(title__contains=published.number).count() == 1  # told once


def test_the_button_toggles_with_htmx_and_shows_the_count(login, published, neighbour, no_limits):
    client = login(neighbour)
    url = reverse("participation:suggestion_support", args=[published.number])
    response = client.post(url, {"action": "support"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="support-count">1<' in html and 'value="withdraw"' in html
    response = client.post(url, {"action": "withdraw"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="support-count">0<' in response.content.decode()


def test_a_double_tap_does_not_undo_the_support(login, published, neighbour, no_limits):
    client = login(neighbour)
    url = reverse("participation:suggestion_support", args=[published.number])
    client.post(url, {"action": "support"}, HTTP_HX_REQUEST="true")
    response = client.post(url, {"action": "support"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert 'data-testid="support-count">1<' in response.content.decode()
    assert Suggestion.objects.get(pk=published.pk).support_count == 1


def test_without_htmx_a_refused_support_shows_the_page_with_409(login, published, neighbour, no_limits):
    client = login(neighbour)
    url = reverse("participation:suggestion_support", args=[published.number])
    assert client.post(url, {"action": "support"}).status_code == 302
    response = client.post(url, {"action": "support"})
    assert response.status_code == 409 and 'role="alert"' in response.content.decode()


def test_supports_over_the_limit_get_429_and_count_nothing(login, suggest, published, resident, neighbour, settings):  # noqa: F811
    settings.WENMING_PORTAL_LIMITS = {"support": {"account": (1, 3600), "ip": (100, 3600)}}
    other = suggest(resident, title="地铁站台增加座椅", body="老人等车辛苦")
    client = login(neighbour)
    first, second = (reverse("participation:suggestion_support", args=[s.number]) for s in (published, other))
    assert client.post(first, {"action": "support"}).status_code == 302
    response = client.post(second, {"action": "support"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert list(SuggestionSupport.objects.values_list("suggestion", flat=True)) == [published.pk]
    assert Suggestion.objects.get(pk=other.pk).support_count == 0


def test_supporting_needs_an_account(client, published):
    response = client.post(reverse("participation:suggestion_support", args=[published.number]), {"action": "support"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not SuggestionSupport.objects.exists()


def test_a_hidden_suggestion_cannot_be_supported_by_url(login, published, neighbour, no_limits):
    Suggestion.objects.filter(pk=published.pk).update(status="hidden")
    response = login(neighbour).post(
        reverse("participation:suggestion_support", args=[published.number]), {"action": "support"}
    )
    assert response.status_code == 404


# Many people at once


@pytest.mark.django_db(transaction=True)
def test_simultaneous_supports_are_all_counted_and_the_threshold_is_reached_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    city = build_city()
    service.seed_topics()
    configure(support_threshold=3)
    author = make_resident("作者", "13900000020")
    suggestion = service.submit(author, topic=service.SuggestionTopic.objects.first(), title="公园垃圾桶", body="太少")
    people = [make_resident(f"人{i}", f"1390000003{i}") for i in range(6)]
    results = race(*(lambda p=p: service.support(suggestion.pk, p) for p in people))
    assert all(isinstance(r, Suggestion) for r in results), results
    final = Suggestion.objects.get(pk=suggestion.pk)
    assert final.support_count == 6 == SuggestionSupport.objects.count()
    assert final.threshold_reached_at is not None
    assert Notification.objects.filter(user=city.users["campaign_admin"], title__contains=final.number).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_supporting_twice_at_once_counts_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    build_city()
    service.seed_topics()
    author = make_resident("作者", "13900000020")
    suggestion = service.submit(author, topic=service.SuggestionTopic.objects.first(), title="公园垃圾桶", body="太少")
    fan = make_resident("粉丝", "13900000021")
    results = race(*(lambda: service.support(suggestion.pk, fan) for _ in range(3)))
    assert sum(isinstance(r, Suggestion) for r in results) == 1, results
    assert sum(isinstance(r, service.Conflict) for r in results) == 2
    assert Suggestion.objects.get(pk=suggestion.pk).support_count == 1
