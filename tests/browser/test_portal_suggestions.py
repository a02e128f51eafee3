"""献一计 and 征集 on a phone: a resident types a suggestion, sees a similar one and supports it instead;
the unit replies once the threshold is reached and the reply shows publicly; a solicitation is voted on
during its window and its results appear after it."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.browser.helpers import log_in_as
from tests.browser.test_portal_accessibility import serious_violations
from tests.conftest import build_city
from tests.participation.conftest import make_resident
from wenming.participation.models import PortalSettings, Solicitation, Suggestion, SuggestionTopic
from wenming.participation.services import solicitations, suggestions

pytestmark = pytest.mark.browser
SHOTS = "/tmp/wenming-suggestion-shots"


@pytest.fixture
def live_city(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    city = build_city()
    suggestions.seed_topics()
    city.resident = make_resident("小王", "13900000001")
    city.neighbour = make_resident("老李", "13900000002")
    return city


def shot(page, name):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def image_bytes(colour=(200, 60, 40), size=(800, 600)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_resident_supports_a_similar_suggestion_instead_and_reads_the_reply(phone, page, live_server, live_city):
    settings = PortalSettings.get()
    settings.support_threshold = 2
    settings.save()
    topic = SuggestionTopic.objects.get(name="市容环境")
    existing = suggestions.submit(
        live_city.neighbour,
        topic=topic,
        title="公园里垃圾桶太少了，希望多放几个",
        body="每到周末公园里人很多，垃圾没地方扔。",
    )
    suggestions.submit(
        live_city.neighbour,
        topic=SuggestionTopic.objects.get(name="公共服务"),
        title="地铁站台增加座椅",
        body="老人等车很辛苦。",
    )

    log_in_as(phone, live_server, live_city.resident)
    phone.goto(live_server.url + "/suggestions/new/")
    phone.select_option("#sg-topic", str(topic.pk))
    phone.locator("#sg-title").press_sequentially("建议在公园增加垃圾桶", delay=30)
    item = phone.get_by_test_id("similar-item")
    item.first.wait_for()
    assert item.count() == 1 and existing.title in item.inner_text()
    shot(phone, "1-similar-while-typing")
    assert serious_violations(phone) == []
    item.get_by_test_id("support").click()
    phone.get_by_test_id("withdraw").wait_for()
    assert item.get_by_test_id("support-count").inner_text() == "1"
    assert Suggestion.objects.count() == 2  # no duplicate filed
    assert Suggestion.objects.get(pk=existing.pk).support_count == 1

    # A second supporter reaches the threshold: a reply is now due.
    suggestions.support(existing, make_resident("小张", "13900000003"))
    existing.refresh_from_db()
    assert existing.reply_due_at is not None
    phone.goto(live_server.url + f"/suggestions/{existing.number}/")
    assert phone.get_by_test_id("reply-due").is_visible()

    # The campaign office answers in the back office.
    log_in_as(page, live_server, live_city.users["campaign_admin"])
    page.goto(live_server.url + f"/office/participation/suggestions/{existing.number}/")
    assert page.get_by_test_id("reply-due").is_visible()
    page.fill("#reply-text", "已在公园各出入口增设20个分类垃圾桶，感谢您的建议。")
    page.get_by_test_id("send-reply").click()
    page.get_by_test_id("reply").wait_for()

    phone.reload()
    reply = phone.get_by_test_id("reply")
    assert "增设20个分类垃圾桶" in reply.inner_text()
    assert not phone.get_by_test_id("reply-due").count()
    shot(phone, "2-reply-public")
    assert serious_violations(phone) == []
    phone.goto(live_server.url + "/suggestions/?tab=supported")
    assert serious_violations(phone) == []
    phone.goto(live_server.url + f"/suggestions/{existing.number}/flag/")
    assert serious_violations(phone) == []
    assert phone.outside_requests == [] and page.outside_requests == []


def test_a_resident_submits_a_suggestion_with_a_place_and_a_photo(phone, live_server, live_city):
    log_in_as(phone, live_server, live_city.resident)
    phone.goto(live_server.url + "/suggestions/new/")
    topic = SuggestionTopic.objects.get(name="公共服务")
    phone.select_option("#sg-topic", str(topic.pk))
    phone.fill("#sg-title", "河边步道路灯不亮")
    phone.fill("#sg-body", "晚上在河边散步，步道的路灯坏了好几个，<b>看不清路</b>。")
    phone.wait_for_selector("#sg-map[data-ready='1']")
    phone.locator("#sg-map").scroll_into_view_if_needed()
    point = phone.evaluate("""() => {
        const map = window.wenmingMap.last;
        map.setView([40.02, 111.02], 15, {animate: false});
        const p = map.latLngToContainerPoint([40.02, 111.02]);
        const box = document.getElementById('sg-map').getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""")
    phone.mouse.click(point["x"], point["y"])
    assert phone.input_value("#sg-lon").startswith("111.0")
    phone.set_input_files("#sg-photos", files=[{"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}])
    shot(phone, "3-new-form")
    phone.get_by_test_id("submit").click()
    phone.wait_for_url("**/suggestions/JY*/")
    suggestion = Suggestion.objects.get()
    assert suggestion.area.code == "990101001001001" and suggestion.photos.count() == 1
    body = phone.locator(".sg-body").inner_text()
    assert "<b>看不清路</b>" in body  # shown as text
    assert phone.locator(".photos img").count() == 1
    phone.locator(".photos img").scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('.photos img').naturalWidth > 0")
    shot(phone, "4-detail")
    # Without the one-time message: the portal layout's messages list has role=status (axe: listitem), not ours.
    phone.reload()
    assert serious_violations(phone) == []
    assert phone.outside_requests == []


def test_a_solicitation_is_voted_on_in_its_window_and_shows_results_after(phone, live_server, live_city):
    admin = live_city.users["campaign_admin"]
    now = timezone.now()
    solicitation = solicitations.create(
        admin,
        title="创城吉祥物征集",
        description="请选出您最喜欢的吉祥物。",
        voting_opens_at=now + timedelta(hours=1),
        voting_closes_at=now + timedelta(days=7),
        votes_per_person="2",
    )
    for i, (name, colour) in enumerate(
        [("青城小鹿", (180, 60, 40)), ("文明小马", (40, 120, 180)), ("草原小羊", (60, 160, 80))]
    ):
        solicitations.add_entry(
            solicitation, admin, title=name, author_name=f"作者{i + 1}", image=io.BytesIO(image_bytes(colour))
        )
    solicitations.publish(solicitation, admin)
    Solicitation.objects.filter(pk=solicitation.pk).update(voting_opens_at=now - timedelta(hours=1))
    first = solicitation.entries.order_by("order").first()

    log_in_as(phone, live_server, live_city.resident)
    url = live_server.url + f"/solicitations/{solicitation.pk}/"
    stale = phone.context.new_page()  # the same page left open in a second tab
    stale.goto(url)
    phone.goto(url)
    assert phone.get_by_test_id("rules").is_visible()
    assert not phone.get_by_test_id("results").count()
    assert phone.locator(".so-entry img").first.get_attribute("alt").count("青城小鹿") == 1
    shot(phone, "5-solicitation-open")
    assert serious_violations(phone) == []
    phone.locator(f"#entry-{first.pk}").get_by_test_id("vote").click()
    phone.locator(f"#entry-{first.pk}").get_by_test_id("voted").wait_for()
    assert "1" in phone.get_by_test_id("votes-left").inner_text()

    # The stale tab still shows the button: the second vote for the same entry is refused.
    stale.locator(f"#entry-{first.pk}").get_by_test_id("vote").click()
    error = stale.get_by_test_id("error")
    error.wait_for()
    assert first.votes.count() == 1
    stale.close()

    # The window ends: the results are published.
    Solicitation.objects.filter(pk=solicitation.pk).update(voting_closes_at=timezone.now() - timedelta(minutes=1))
    phone.goto(url)
    results = phone.get_by_test_id("result")
    assert results.count() == 3
    assert "青城小鹿" in results.first.inner_text() and "100" in results.first.inner_text()
    assert not phone.get_by_test_id("vote").count()
    shot(phone, "6-solicitation-results")
    assert serious_violations(phone) == []
    assert phone.outside_requests == []
