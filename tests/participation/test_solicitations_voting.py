"""Voting in a solicitation: during the window only, one vote per entry, N per person, final; results after closing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.concurrency import race
from tests.conftest import build_city
from tests.participation.conftest import make_resident
from tests.participation.suggestion_helpers import jpeg
from wenming.participation.models import Solicitation, SolicitationEntry, Vote
from wenming.participation.services import solicitations as service

HOUR = timedelta(hours=1)


def open_solicitation(admin, votes_per_person=2, entries=3):
    now = timezone.now()
    solicitation = service.create(
        admin,
        title="创城吉祥物征集",
        voting_opens_at=now + HOUR,
        voting_closes_at=now + 48 * HOUR,
        votes_per_person=str(votes_per_person),
    )
    for i in range(entries):
        service.add_entry(
            solicitation, admin, title=f"作品{i + 1}", author_name=f"作者{i + 1}", image=jpeg(f"e{i}.jpg")
        )
    service.publish(solicitation, admin)
    Solicitation.objects.filter(pk=solicitation.pk).update(voting_opens_at=now - HOUR)
    solicitation.refresh_from_db()
    return solicitation


@pytest.fixture
def voting(city, media):
    return open_solicitation(city.users["campaign_admin"])


def entries(solicitation):
    return list(solicitation.entries.order_by("order"))


def test_one_vote_per_entry_and_at_most_n_per_person(voting, resident, english):
    a, b, c = entries(voting)
    service.vote(voting, a, resident)
    with pytest.raises(service.Conflict) as caught:
        service.vote(voting, a, resident)
    assert "already voted for this entry" in caught.value.message
    service.vote(voting, b, resident)
    with pytest.raises(service.Conflict) as caught:
        service.vote(voting, c, resident)
    assert "used all your 2 votes" in caught.value.message
    assert Vote.objects.filter(user=resident).count() == 2
    assert [e.vote_count for e in entries(voting)] == [1, 1, 0]
    assert service.votes_of(voting, resident) == {a.pk, b.pk}


def test_no_votes_before_opening_or_after_closing(voting, resident, english):
    a = entries(voting)[0]
    Solicitation.objects.filter(pk=voting.pk).update(voting_opens_at=timezone.now() + HOUR)
    voting.refresh_from_db()
    with pytest.raises(service.Forbidden) as caught:
        service.vote(voting, a, resident)
    assert "not opened yet" in caught.value.message
    Solicitation.objects.filter(pk=voting.pk).update(
        voting_opens_at=timezone.now() - 2 * HOUR, voting_closes_at=timezone.now() - HOUR
    )
    with pytest.raises(service.Forbidden) as caught:
        service.vote(voting, a, resident)
    assert "closed" in caught.value.message
    assert not Vote.objects.exists() and SolicitationEntry.objects.get(pk=a.pk).vote_count == 0


def test_an_unpublished_solicitation_or_a_foreign_entry_takes_no_votes(city, voting, resident, media):
    other = service.create(
        city.users["campaign_admin"],
        title="标志征集",
        voting_opens_at=timezone.now() + HOUR,
        voting_closes_at=timezone.now() + 2 * HOUR,
        votes_per_person="1",
    )
    with pytest.raises(service.NotFound):
        service.vote(other, entries(voting)[0], resident)
    with pytest.raises(service.NotFound):
        service.vote(voting, 999999, resident)
    assert not Vote.objects.exists()


def test_a_blocked_account_cannot_vote(voting, resident):
    resident.citizen.blocked_at = timezone.now()
    resident.citizen.save()
    with pytest.raises(service.Forbidden):
        service.vote(voting, entries(voting)[0], resident)


def test_counts_are_hidden_while_voting_is_open_and_published_after(client, login, voting, resident, neighbour):
    a, b, c = entries(voting)
    service.vote(voting, a, resident)
    service.vote(voting, b, resident)
    service.vote(voting, a, neighbour)
    url = reverse("participation:solicitation_detail", args=[voting.pk])
    response = client.get(url)
    assert response.context["results"] is None and 'data-testid="results"' not in response.content.decode()
    Solicitation.objects.filter(pk=voting.pk).update(voting_closes_at=timezone.now() - timedelta(seconds=1))
    response = client.get(url)
    results = response.context["results"]
    assert [(r.entry.title, r.rank, r.votes, r.share) for r in results] == [
        ("作品1", 1, 2, 66.7),
        ("作品2", 2, 1, 33.3),
        ("作品3", 3, 0, 0.0),
    ]
    assert response.context["voters"] == 2
    assert 'data-testid="results"' in response.content.decode()


def test_ties_share_a_rank(voting, resident, neighbour):
    a, b, c = entries(voting)
    service.vote(voting, a, resident)
    service.vote(voting, b, neighbour)
    assert [r.rank for r in service.tally(voting)] == [1, 1, 3]


def test_the_page_says_votes_are_final_and_offers_a_button_per_entry(login, voting, resident, english):
    html = login(resident).get(reverse("participation:solicitation_detail", args=[voting.pk])).content.decode()
    assert "A vote cannot be changed or withdrawn." in html
    assert html.count('data-testid="vote"') == 3
    assert 'alt="Entry “作品1” by 作者1"' in html


def test_voting_through_the_page(login, voting, resident, no_limits):
    a = entries(voting)[0]
    client = login(resident)
    url = reverse("participation:solicitation_vote", args=[voting.pk, a.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"#entry-{a.pk}")
    again = client.post(url)
    assert again.status_code == 409 and 'data-testid="error"' in again.content.decode()
    page = client.get(reverse("participation:solicitation_detail", args=[voting.pk])).content.decode()
    assert (
        page.count('data-testid="vote"') == 2 and 'data-testid="voted"' in page
    )  # one vote left, for either other entry


def test_a_vote_after_closing_is_refused_with_403(login, voting, resident, no_limits):
    Solicitation.objects.filter(pk=voting.pk).update(voting_closes_at=timezone.now() - HOUR)
    a = entries(voting)[0]
    response = login(resident).post(reverse("participation:solicitation_vote", args=[voting.pk, a.pk]))
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_votes_over_the_limit_get_429_and_count_nothing(login, voting, resident, settings):
    settings.WENMING_PORTAL_LIMITS = {"vote": {"account": (1, 3600), "ip": (100, 3600)}}
    a, b, _c = entries(voting)
    client = login(resident)
    assert client.post(reverse("participation:solicitation_vote", args=[voting.pk, a.pk])).status_code == 302
    response = client.post(reverse("participation:solicitation_vote", args=[voting.pk, b.pk]))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert list(Vote.objects.values_list("entry", flat=True)) == [a.pk]
    assert [e.vote_count for e in entries(voting)] == [1, 0, 0]


def test_voting_needs_an_account(client, voting):
    a = entries(voting)[0]
    response = client.post(reverse("participation:solicitation_vote", args=[voting.pk, a.pk]))
    assert response.status_code == 302 and not Vote.objects.exists()


def test_the_portal_lists_published_solicitations_only(client, city, voting, media):
    service.create(
        city.users["campaign_admin"],
        title="未发布的征集",
        voting_opens_at=timezone.now() + HOUR,
        voting_closes_at=timezone.now() + 2 * HOUR,
        votes_per_person="1",
    )
    html = client.get(reverse("participation:solicitation_list")).content.decode()
    assert "创城吉祥物征集" in html and "未发布的征集" not in html


def test_entry_images_are_served_for_published_solicitations_only(client, city, voting, media):
    a = entries(voting)[0]
    assert client.get(reverse("participation:solicitation_image", args=[voting.pk, a.pk, "full"])).status_code == 200
    Solicitation.objects.filter(pk=voting.pk).update(is_published=False)
    assert client.get(reverse("participation:solicitation_image", args=[voting.pk, a.pk, "full"])).status_code == 404


# At once


@pytest.mark.django_db(transaction=True)
def test_simultaneous_votes_never_exceed_the_votes_per_person(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    city = build_city()
    solicitation = open_solicitation(city.users["campaign_admin"], votes_per_person=2, entries=5)
    voter = make_resident("投票人", "13900000040")
    results = race(*(lambda e=e: service.vote(solicitation.pk, e.pk, voter) for e in entries(solicitation)))
    assert sum(isinstance(r, Vote) for r in results) == 2, results
    assert sum(isinstance(r, service.Conflict) for r in results) == 3
    assert Vote.objects.filter(user=voter).count() == 2
    assert sum(e.vote_count for e in entries(solicitation)) == 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_votes_for_one_entry_count_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    city = build_city()
    solicitation = open_solicitation(city.users["campaign_admin"], votes_per_person=3)
    voter = make_resident("投票人", "13900000040")
    entry = entries(solicitation)[0]
    results = race(*(lambda: service.vote(solicitation.pk, entry.pk, voter) for _ in range(4)))
    assert sum(isinstance(r, Vote) for r in results) == 1, results
    assert SolicitationEntry.objects.get(pk=entry.pk).vote_count == 1
