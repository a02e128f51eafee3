"""Staff take a report off the public view or withdraw one photo, and the history keeps why."""

import pytest

from tests.cases.conftest import jpeg
from wenming.cases import services
from wenming.cases.models import CaseEvent


@pytest.fixture
def citizen_report(world, report):
    return report(source="citizen", user=world.users["citizen"], photos=[jpeg(), jpeg(colour=(0, 0, 200))])


def test_the_campaign_office_hides_a_report_and_the_event_says_why(world, citizen_report):
    case = services.hide(citizen_report, world.users["campaign_admin"], note="含有他人电话号码")
    assert case.hidden
    event = CaseEvent.objects.get(case=case, action="hide")
    assert event.note == "含有他人电话号码" and not event.public
    assert case.status == "reported"  # moderation never moves the case along
    assert "unhide" in services.allowed_actions(case, world.users["campaign_admin"])
    assert "hide" not in services.allowed_actions(case, world.users["campaign_admin"])


def test_hiding_needs_a_reason_and_changes_nothing_without_one(world, citizen_report):
    with pytest.raises(services.Invalid):
        services.hide(citizen_report, world.users["campaign_admin"], note="  ")
    citizen_report.refresh_from_db()
    assert not citizen_report.hidden
    assert not CaseEvent.objects.filter(case=citizen_report, action="hide").exists()


def test_a_handler_or_the_reporter_may_not_hide(world, citizen_report):
    for who in ("department_handler", "citizen"):
        with pytest.raises((services.Forbidden, services.NotFound)):
            services.hide(citizen_report, world.users[who], note="不想让人看到")
    citizen_report.refresh_from_db()
    assert not citizen_report.hidden


def test_a_hidden_report_is_shown_again(world, citizen_report):
    services.hide(citizen_report, world.users["campaign_admin"], note="核实中")
    case = services.unhide(citizen_report, world.users["campaign_admin"], note="核实无误")
    assert not case.hidden
    with pytest.raises(services.InvalidTransition):
        services.unhide(case, world.users["campaign_admin"])


def test_redacting_withdraws_one_photo_and_keeps_the_other(world, citizen_report):
    first, second = citizen_report.attachments.order_by("id")
    case = services.perform(
        citizen_report, world.users["campaign_admin"], "redact_photo", {"photo": str(first.pk), "note": "拍到了人脸"}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.redacted and not second.redacted
    assert CaseEvent.objects.get(case=case, action="redact_photo").data == {"photo": first.pk}
    # A redacted photo cannot be redacted again, nor a photo of another case.
    with pytest.raises(services.Invalid):
        services.redact_photo(case, world.users["campaign_admin"], photo=first.pk, note="再次")
    with pytest.raises(services.Invalid):
        services.redact_photo(case, world.users["campaign_admin"], photo="abc", note="乱填")


def test_the_office_page_offers_hiding_and_marks_redacted_photos(world, citizen_report, login):
    first = citizen_report.attachments.first()
    services.redact_photo(citizen_report, world.users["campaign_admin"], photo=first.pk, note="车牌")
    client = login(world.users["campaign_admin"])
    page = client.get(f"/office/cases/{citizen_report.number}/").content.decode()
    assert 'data-action="hide"' in page and 'data-testid="redacted"' in page
    response = client.post(
        f"/office/cases/{citizen_report.number}/hide/", {"note": "测试隐藏", "version": citizen_report.version + 1}
    )
    assert response.status_code == 302
    citizen_report.refresh_from_db()
    assert citizen_report.hidden
