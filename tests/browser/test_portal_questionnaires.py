"""A questionnaire in a phone browser: staff build it with a conditional question, a resident
answers (the conditional question appears only after the answer that triggers it), staff read
the results with a chart and download the Excel export."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.browser.helpers import log_in
from tests.conftest import build_city

pytestmark = pytest.mark.browser


@pytest.fixture
def live_city(transactional_db):
    return build_city()


def test_a_questionnaire_with_a_conditional_question_is_built_answered_and_exported(
    phone, live_server, live_city, tmp_path
):
    from wenming.participation.models import Answer, Questionnaire, Response

    page = phone
    log_in(page, live_server, "campaign_admin")
    page.goto(live_server.url + "/office/participation/questionnaires/new/")
    page.fill("#f-title", "小区环境满意度")
    page.check("input[name=allow_anonymous]")
    page.click("form.form button.primary")
    page.wait_for_selector("#items")
    q = Questionnaire.objects.get()

    # q1: a single choice, added through the htmx form.
    form = page.locator("[data-testid=item-form-new]")
    form.locator("input[name=text]").fill("您对小区环境满意吗?")
    labels = form.locator("input[name=opt_label]")
    labels.nth(0).fill("满意")
    labels.nth(1).fill("不满意")
    form.locator("button.primary").click()
    page.wait_for_selector("#item-q1")
    # q2: shown only if q1 is 不满意.
    page.locator("details.q-add > summary").click()
    form = page.locator("[data-testid=item-form-new]")
    form.locator("select[name=kind]").select_option("text")
    assert form.locator("fieldset.q-option-rows").is_hidden()
    form.locator("input[name=text]").fill("哪里不满意?")
    form.locator("select[name=show_if_item]").select_option("q1")
    form.locator("[data-cond-group=q1] input[value='q1:o2']").check()
    form.locator("button.primary").click()
    page.wait_for_selector("#item-q2 [data-testid=condition]")
    assert "不满意" in page.locator("#item-q2 [data-testid=condition]").inner_text()
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=state].q-open")
    page.screenshot(path=str(tmp_path / "builder.png"), full_page=True)

    # A resident answers, without an account.
    page.context.clear_cookies()
    page.goto(live_server.url + "/questionnaires/")
    page.click(f"a[href='/questionnaires/{q.pk}/']")
    page.wait_for_selector("#questionnaire-form")
    assert page.locator("#item-q2").is_hidden()
    page.get_by_label("满意", exact=True).check()
    assert page.locator("#item-q2").is_hidden()
    page.get_by_label("不满意").check()
    page.locator("#item-q2").wait_for(state="visible")
    page.fill("#text-q2", "垃圾分类不到位 <script>alert(1)</script>")
    page.select_option("#f-district", "990101")
    page.wait_for_function("document.querySelectorAll('#f-street option').length === 3")
    assert "东一街道" not in page.locator("#f-street").inner_text()
    page.select_option("#f-street", "990101002")
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    page.click("[data-testid=send]")
    page.wait_for_selector("[data-testid=thanks]")
    response = Response.objects.get()
    assert response.area.code == "990101002"
    assert {a.item_key: a.value for a in Answer.objects.all()} == {
        "q1": "o2",
        "q2": "垃圾分类不到位 <script>alert(1)</script>",
    }

    # Staff read the results: a chart is drawn, the text is shown as text.
    log_in(page, live_server, "campaign_admin")
    page.goto(f"{live_server.url}/office/participation/questionnaires/{q.pk}/results/")
    page.wait_for_selector("#chart-q1 canvas")
    page.wait_for_selector("#chart-areas canvas")
    assert page.get_by_test_id("responses").inner_text() == "1"
    assert "<script>alert(1)</script>" in page.get_by_test_id("texts-q2").inner_text()
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(BytesIO(path.read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][5:] == ("q1 您对小区环境满意吗?", "q2 哪里不满意?")
    assert rows[1][2:] == (1, "西区", "西二街道", "不满意", "垃圾分类不到位 <script>alert(1)</script>")
    assert page.outside_requests == []
