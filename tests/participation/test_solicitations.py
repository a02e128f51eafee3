"""征集 in the back office: creating, entries with images, publishing, and what may change once voting opened."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.participation.suggestion_helpers import fake_image, jpeg
from wenming.participation.models import Solicitation, SolicitationEntry
from wenming.participation.services import solicitations as service

HOUR = timedelta(hours=1)


@pytest.fixture
def admin(city):
    return city.users["campaign_admin"]


@pytest.fixture
def draft(admin, media):
    now = timezone.now()
    return service.create(
        admin,
        title="创城吉祥物征集",
        description="请为吉祥物投票",
        voting_opens_at=now + HOUR,
        voting_closes_at=now + 48 * HOUR,
        votes_per_person="2",
    )


def with_entries(solicitation, admin, n=3):
    for i in range(n):
        service.add_entry(
            solicitation, admin, title=f"作品{i + 1}", author_name=f"作者{i + 1}", image=jpeg(f"e{i}.jpg")
        )
    return solicitation


def test_the_campaign_office_creates_a_draft(draft, admin):
    assert draft.title == "创城吉祥物征集" and draft.votes_per_person == 2 and not draft.is_published
    assert service.phase(draft) == service.Phase.DRAFT
    assert draft.created_by == admin


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 81}, "title"),
        ({"votes_per_person": "0"}, "votes_per_person"),
        ({"votes_per_person": "abc"}, "votes_per_person"),
        ({"voting_opens_at": "yesterday-ish"}, "voting_opens_at"),
        ({"voting_closes_at": "2025-02-30T10:00"}, "voting_closes_at"),
        ({"voting_closes_at": "2020-01-01T10:00", "voting_opens_at": "2019-12-01T10:00"}, "voting_closes_at"),
        ({"voting_opens_at": "2031-01-02T10:00", "voting_closes_at": "2031-01-01T10:00"}, "voting_closes_at"),
    ],
)
def test_bad_input_saves_nothing(admin, changes, field):
    values = {
        "title": "标志征集",
        "description": "",
        "voting_opens_at": "2030-01-01T09:00",
        "voting_closes_at": "2030-01-10T18:00",
        "votes_per_person": "1",
        **changes,
    }
    with pytest.raises(service.Invalid) as caught:
        service.create(admin, **values)
    assert field in caught.value.fields
    assert not Solicitation.objects.exists()


def test_times_from_the_form_are_read_in_local_time(admin):
    solicitation = service.create(
        admin,
        title="标志",
        voting_opens_at="2030-01-01T09:00",
        voting_closes_at="2030-01-10T18:00",
        votes_per_person="1",
    )
    assert timezone.localtime(solicitation.voting_opens_at).strftime("%Y-%m-%d %H:%M") == "2030-01-01 09:00"


@pytest.mark.parametrize("who", ["department_handler", "inspector", "district_leader"])
def test_only_the_campaign_office_runs_solicitations(login, city, who):
    with pytest.raises(service.Forbidden):
        service.create(
            city.users[who],
            title="x",
            voting_opens_at="2030-01-01T09:00",
            voting_closes_at="2030-01-02T09:00",
            votes_per_person="1",
        )
    assert login(city.users[who]).get(reverse("participation_office:solicitation_list")).status_code == 403


def test_a_citizen_cannot_open_the_editor(login, resident, draft):
    assert login(resident).get(reverse("participation_office:solicitation_detail", args=[draft.pk])).status_code == 403


def test_an_entry_keeps_a_public_copy_and_a_thumbnail_only(draft, admin, media):
    entry = service.add_entry(
        draft, admin, title="青城小鹿", author_name="李明", description="以草原鹿为原型", image=jpeg()
    )
    assert entry.image.name.endswith("-public.jpg") and entry.thumbnail.name.endswith("-thumb.jpg")
    assert len([p for p in Path(media).rglob("*") if p.is_file()]) == 2


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"image": None}, "image"),
        ({"image": "fake"}, "image"),
        ({"title": ""}, "title"),
        ({"author_name": "长" * 61}, "author_name"),
    ],
)
def test_a_bad_entry_saves_nothing(draft, admin, media, changes, field):
    values = {"title": "青城小鹿", "author_name": "李明", "image": jpeg(), **changes}
    if values["image"] == "fake":
        values["image"] = fake_image()
    with pytest.raises(service.Invalid) as caught:
        service.add_entry(draft, admin, **values)
    assert field in caught.value.fields
    assert not SolicitationEntry.objects.exists()
    assert not [p for p in Path(media).rglob("*") if p.is_file()]


def test_publishing_needs_two_entries(draft, admin):
    service.add_entry(draft, admin, title="甲", image=jpeg())
    with pytest.raises(service.Invalid):
        service.publish(draft, admin)
    service.add_entry(draft, admin, title="乙", image=jpeg())
    assert service.publish(draft, admin).is_published
    draft.refresh_from_db()
    assert service.phase(draft) == service.Phase.UPCOMING


def test_before_opening_everything_may_change(draft, admin, media):
    with_entries(draft, admin)
    service.publish(draft, admin)
    entry = draft.entries.first()
    service.remove_entry(entry, admin)
    assert draft.entries.count() == 2
    later = timezone.now() + 2 * HOUR
    service.update(
        draft,
        admin,
        title="新标题",
        description="",
        voting_opens_at=later,
        voting_closes_at=later + 10 * HOUR,
        votes_per_person="1",
    )
    draft.refresh_from_db()
    assert draft.title == "新标题" and draft.votes_per_person == 1 and draft.voting_opens_at == later


def test_once_voting_opened_entries_and_rules_are_fixed(draft, admin):
    with_entries(draft, admin)
    service.publish(draft, admin)
    Solicitation.objects.filter(pk=draft.pk).update(voting_opens_at=timezone.now() - HOUR)
    draft.refresh_from_db()
    assert service.phase(draft) == service.Phase.OPEN
    with pytest.raises(service.Conflict):
        service.add_entry(draft, admin, title="迟到的作品", image=jpeg())
    with pytest.raises(service.Conflict):
        service.remove_entry(draft.entries.first(), admin)
    assert draft.entries.count() == 3
    base = {
        "title": draft.title,
        "description": draft.description,
        "voting_opens_at": draft.voting_opens_at,
        "voting_closes_at": draft.voting_closes_at,
        "votes_per_person": str(draft.votes_per_person),
    }
    for changes, field in [
        ({"votes_per_person": "3"}, "votes_per_person"),
        ({"voting_opens_at": draft.voting_opens_at - HOUR}, "voting_opens_at"),
        ({"voting_closes_at": draft.voting_closes_at + HOUR}, "voting_closes_at"),
        ({"voting_closes_at": timezone.now() - timedelta(minutes=1)}, "voting_closes_at"),
    ]:
        with pytest.raises(service.Invalid) as caught:
            service.update(draft, admin, **{**base, **changes})
        assert field in caught.value.fields
    # Texts may be corrected; voting may end earlier.
    earlier = draft.voting_closes_at - 10 * HOUR
    service.update(draft, admin, **{**base, "title": "创城吉祥物征集（更正）", "voting_closes_at": earlier})
    draft.refresh_from_db()
    assert draft.title == "创城吉祥物征集（更正）" and draft.voting_closes_at == earlier and draft.votes_per_person == 2


def test_closing_early_ends_the_vote_and_it_never_reopens(draft, admin):
    with_entries(draft, admin)
    service.publish(draft, admin)
    with pytest.raises(service.Conflict):
        service.close_early(draft, admin)  # not open yet
    Solicitation.objects.filter(pk=draft.pk).update(voting_opens_at=timezone.now() - HOUR)
    service.close_early(draft, admin)
    draft.refresh_from_db()
    assert service.phase(draft) == service.Phase.CLOSED
    base = {"title": draft.title, "voting_opens_at": draft.voting_opens_at, "votes_per_person": "2"}
    with pytest.raises(service.Invalid):
        service.update(draft, admin, **base, voting_closes_at=timezone.now() + 10 * HOUR)


def test_the_editor_pages_work_end_to_end(login, admin, media):
    client = login(admin)
    response = client.post(
        reverse("participation_office:solicitation_new"),
        {
            "title": "创城标志征集",
            "description": "",
            "voting_opens_at": "2030-05-01T09:00",
            "voting_closes_at": "2030-05-10T18:00",
            "votes_per_person": "3",
        },
    )
    solicitation = Solicitation.objects.get()
    assert response.status_code == 302
    add = reverse("participation_office:solicitation_entry_add", args=[solicitation.pk])
    assert client.post(add, {"title": "甲", "image": jpeg()}).status_code == 302
    assert client.post(add, {"title": "乙", "image": fake_image()}).status_code == 400
    assert client.post(reverse("participation_office:solicitation_publish", args=[solicitation.pk])).status_code == 400
    assert client.post(add, {"title": "乙", "author_name": "王", "image": jpeg()}).status_code == 302
    assert client.post(reverse("participation_office:solicitation_publish", args=[solicitation.pk])).status_code == 302
    page = client.get(reverse("participation_office:solicitation_detail", args=[solicitation.pk]))
    assert page.status_code == 200 and "甲" in page.content.decode()
    edit = client.get(reverse("participation_office:solicitation_edit", args=[solicitation.pk]))
    assert 'value="2030-05-01T09:00"' in edit.content.decode()
    bad = client.post(reverse("participation_office:solicitation_edit", args=[solicitation.pk]), {"title": ""})
    assert bad.status_code == 400
