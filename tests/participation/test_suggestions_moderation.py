"""Moderation by the campaign office: the queue, publish, reject, hide, show again, flags, redacted photos."""

import pytest
from django.urls import reverse

from tests.participation.conftest import make_resident
from tests.participation.suggestion_helpers import configure, jpeg
from wenming.notifications.models import Notification
from wenming.participation.models import Flag, ModerationEvent, PointEntry, Suggestion
from wenming.participation.services import suggestions as service


@pytest.fixture
def admin(city):
    return city.users["campaign_admin"]


@pytest.fixture
def pending(suggest, resident):
    configure(premoderate_suggestions=True)
    return suggest(resident)


@pytest.fixture
def published(suggest, resident):
    return suggest(resident, photos=[jpeg("a.jpg"), jpeg("b.jpg")])


def moderate(client, suggestion, action, **data):
    return client.post(reverse("participation_office:suggestion_moderate", args=[suggestion.number, action]), data)


def test_the_queue_holds_pending_and_flagged_suggestions(login, admin, pending, suggest, neighbour):
    flagged = suggest(neighbour, title="地铁站台增加座椅", body="老人等车辛苦")
    Suggestion.objects.filter(pk=flagged.pk).update(status="published")
    quiet = suggest(neighbour, title="河边路灯", body="不亮")
    Suggestion.objects.filter(pk=quiet.pk).update(status="published")
    service.flag(flagged, make_resident("甲", "13900000011"), reason="广告")
    response = login(admin).get(reverse("participation_office:moderation"))
    assert response.status_code == 200
    assert [s.number for s in response.context["page"]] == [pending.number, flagged.number]
    assert "广告" in response.content.decode()


@pytest.mark.parametrize("who", ["department_handler", "inspector", "district_leader"])
def test_only_the_campaign_office_moderates(login, city, pending, who):
    client = login(city.users[who])
    assert client.get(reverse("participation_office:moderation")).status_code == 403
    assert moderate(client, pending, "publish").status_code in (403, 404)
    assert Suggestion.objects.get(pk=pending.pk).status == "pending"


def test_a_citizen_cannot_moderate(login, pending, neighbour):
    client = login(neighbour)
    assert client.get(reverse("participation_office:moderation")).status_code == 403
    assert moderate(client, pending, "publish").status_code == 403
    assert Suggestion.objects.get(pk=pending.pk).status == "pending"


def test_publishing_starts_the_support_period_and_tells_the_author(login, admin, pending, resident):
    response = moderate(login(admin), pending, "publish")
    assert response.status_code == 302
    suggestion = Suggestion.objects.get(pk=pending.pk)
    assert (
        suggestion.status == "published" and suggestion.supports_close_at and suggestion.responsible_unit.code == "CCB"
    )
    assert ModerationEvent.objects.filter(suggestion=suggestion, action="publish", by=admin).exists()
    assert Notification.objects.filter(user=resident, title__contains=suggestion.number).exists()
    assert PointEntry.objects.filter(citizen__user=resident, rule__code="suggestion_published").exists()
    assert moderate(login(admin), pending, "publish").status_code == 409


def test_rejecting_needs_a_reason_the_author_then_reads(login, admin, pending, resident, neighbour, english):
    client = login(admin)
    response = moderate(client, pending, "reject", reason="")
    assert response.status_code == 400
    assert Suggestion.objects.get(pk=pending.pk).status == "pending"
    assert moderate(client, pending, "reject", reason="内容与城市建设无关").status_code == 302
    assert Suggestion.objects.get(pk=pending.pk).status == "rejected"
    url = reverse("participation:suggestion_detail", args=[pending.number])
    assert login(neighbour).get(url).status_code == 404
    page = login(resident).get(url)
    assert page.status_code == 200 and "内容与城市建设无关" in page.content.decode()


def test_hiding_keeps_the_suggestion_tells_the_author_and_showing_again_restores_it(
    login, admin, published, resident, neighbour
):
    client = login(admin)
    assert moderate(client, published, "hide", reason="含有人身攻击").status_code == 302
    suggestion = Suggestion.objects.get(pk=published.pk)
    assert suggestion.status == "hidden" and suggestion.moderation_note == "含有人身攻击"
    assert Notification.objects.filter(user=resident, title__contains="含有人身攻击").exists()
    assert login(neighbour).get(reverse("participation:suggestion_detail", args=[published.number])).status_code == 404
    assert moderate(login(admin), published, "unhide").status_code == 302
    assert Suggestion.objects.get(pk=published.pk).status == "published"
    actions = list(ModerationEvent.objects.filter(suggestion=published).values_list("action", flat=True))
    assert actions == ["unhide", "hide"]


def test_a_replied_suggestion_shown_again_is_replied(admin, published):
    service.reply(published, admin, text="已处理")
    service.hide(published, admin, reason="误发")
    assert service.unhide(published, admin).status == "replied"


def test_a_flag_counts_once_per_person_and_not_from_the_author(published, resident, neighbour):
    service.flag(published, neighbour, reason="广告")
    with pytest.raises(service.Conflict):
        service.flag(published, neighbour, reason="还是广告")
    with pytest.raises(service.Conflict):
        service.flag(published, resident, reason="自己")
    with pytest.raises(service.Invalid):
        service.flag(published, make_resident("甲", "13900000011"), reason="  ")
    assert Suggestion.objects.get(pk=published.pk).flag_count == 1 == Flag.objects.count()


def test_enough_flags_hide_a_suggestion_until_a_moderator_checks_it(admin, published):
    configure(flags_to_hide=3)
    for i in range(3):
        service.flag(published, make_resident(f"人{i}", f"1390000010{i}"), reason="辱骂")
    suggestion = Suggestion.objects.get(pk=published.pk)
    assert suggestion.status == "hidden" and suggestion.flag_count == 3
    assert ModerationEvent.objects.get(suggestion=suggestion, action="hide").by is None
    # The flags were unfounded: dismissing them shows the suggestion again.
    service.dismiss_flags(suggestion, admin)
    suggestion = Suggestion.objects.get(pk=published.pk)
    assert suggestion.status == "published" and suggestion.flag_count == 0
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert service.moderation_queue(admin).count() == 0


def test_dismissing_flags_leaves_a_suggestion_a_moderator_hid_hidden(admin, published, neighbour):
    service.flag(published, neighbour, reason="辱骂")
    service.hide(published, admin, reason="辱骂他人")
    with pytest.raises(service.Conflict):  # hiding resolved the flags
        service.dismiss_flags(published, admin)
    assert Suggestion.objects.get(pk=published.pk).status == "hidden"


def test_the_flag_form_sends_a_reason(login, published, neighbour, no_limits):
    client = login(neighbour)
    url = reverse("participation:suggestion_flag", args=[published.number])
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "advert", "details": "卖药"}).status_code == 302
    assert Flag.objects.get().reason.endswith("卖药")
    assert client.post(url, {"kind": "advert"}).status_code == 409


def test_flags_over_the_limit_get_429_and_flag_nothing(login, suggest, published, resident, neighbour, settings):  # noqa: F811
    settings.WENMING_PORTAL_LIMITS = {"flag": {"account": (1, 3600), "ip": (100, 3600)}}
    other = suggest(resident, title="地铁站台增加座椅", body="老人等车辛苦")
    client = login(neighbour)
    first, second = (reverse("participation:suggestion_flag", args=[s.number]) for s in (published, other))
    assert client.post(first, {"kind": "advert", "details": "卖药"}).status_code == 302
    response = client.post(second, {"kind": "advert", "details": "卖药"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert list(Flag.objects.values_list("suggestion", flat=True)) == [published.pk]
    assert Suggestion.objects.get(pk=other.pk).flag_count == 0


def test_a_redacted_photo_is_no_longer_served_to_anyone(login, client, admin, published):
    first, second = published.photos.all()
    public_url = reverse("participation:suggestion_photo", args=[published.number, first.pk, "full"])
    assert client.get(public_url).status_code == 200
    office = login(admin)
    response = office.post(
        reverse("participation_office:suggestion_photo_redact", args=[published.number, first.pk]),
        {"reason": "拍到了车牌"},
    )
    assert response.status_code == 302
    assert (
        office.get(
            reverse("participation_office:suggestion_office_photo", args=[published.number, first.pk, "thumb"])
        ).status_code
        == 404
    )
    office.logout()
    assert client.get(public_url).status_code == 404
    assert (
        client.get(reverse("participation:suggestion_photo", args=[published.number, second.pk, "thumb"])).status_code
        == 200
    )
    assert ModerationEvent.objects.get(action="redact").reason == "拍到了车牌"
    page = client.get(reverse("participation:suggestion_detail", args=[published.number])).content.decode()
    assert f"/photos/{first.pk}/" not in page and f"/photos/{second.pk}/" in page


def test_photos_of_a_hidden_suggestion_are_served_only_to_its_author(login, client, admin, published, resident):
    photo = published.photos.first()
    service.hide(published, admin, reason="待核实")
    url = reverse("participation:suggestion_photo", args=[published.number, photo.pk, "thumb"])
    assert client.get(url).status_code == 404
    assert login(resident).get(url).status_code == 200


def test_the_office_sees_photos_of_a_pending_suggestion(login, admin, suggest, resident):
    configure(premoderate_suggestions=True)
    pending = suggest(resident, photos=[jpeg()])
    photo = pending.photos.get()
    assert (
        login(admin)
        .get(reverse("participation_office:suggestion_office_photo", args=[pending.number, photo.pk, "full"]))
        .status_code
        == 200
    )


def test_the_detail_page_links_to_blocking_the_author(login, admin, published):
    html = login(admin).get(reverse("participation_office:suggestion_detail", args=[published.number])).content.decode()
    assert reverse("participation_office:citizen_block", args=[published.author.citizen.pk]) in html


def test_the_settings_are_changed_by_the_city_office_and_checked(login, admin, english):
    client = login(admin)
    url = reverse("participation_office:suggestion_settings")
    response = client.post(
        url,
        {
            "support_threshold": "0",
            "reply_working_days": "10",
            "suggestion_reply_days_limit": "90",
            "flags_to_hide": "5",
        },
    )
    assert response.status_code == 400
    response = client.post(
        url,
        {
            "premoderate_suggestions": "1",
            "support_threshold": "50",
            "reply_working_days": "15",
            "suggestion_reply_days_limit": "60",
            "flags_to_hide": "0",
        },
    )
    assert response.status_code == 302
    settings = service.PortalSettings.get()
    assert settings.premoderate_suggestions and settings.support_threshold == 50 and settings.flags_to_hide == 0


def test_the_queue_exports_to_excel(login, admin, pending):
    response = login(admin).get(reverse("participation_office:moderation"), {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
