"""Results in the back office: counts, shares, areas, escaping, filters, and the Excel export's stable columns."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.participation.questionnaire_kit import build, choice, in_english, scale, text
from wenming.participation.models import Response
from wenming.participation.services import questionnaire_results as results
from wenming.participation.services import questionnaires as services


@pytest.fixture
def admin(city):
    return city.users["campaign_admin"]


def send(q, data, token, *, when=None, district="", street=""):
    return services.submit(q, {**data, "district": district, "street": street}, session_token=token, now=when)


@pytest.fixture
def survey(city):
    q = build(
        city,
        choice("满意吗?", "满意", "一般", "不满意", other=True),
        scale("打分", 1, 5, labels=("很差", "很好")),
        text("建议", required=False),
        choice("去过哪里?", "公园", "广场", kind="multiple", required=False),
    )
    send(
        q,
        {"q1": "o1", "q2": "5", "q3": "<script>alert('x')</script>", "q4": ["o1", "o2"]},
        "a",
        district="990101",
        street="990101001",
    )
    send(q, {"q1": "o1", "q2": "4", "q4": ["o1"]}, "b", district="990101", street="990101002")
    send(q, {"q1": "other", "q1_other": "<b>还行</b>", "q2": "1"}, "c", district="990102")
    return q


def test_counts_shares_and_means(survey):
    found = results.results(survey)
    assert found["responses"] == 3
    q1, q2, q3, q4 = found["items"]
    assert [(o["key"], o["count"], o["share"]) for o in q1["options"]] == [
        ("o1", 2, 66.7),
        ("o2", 0, 0.0),
        ("o3", 0, 0.0),
        ("other", 1, 33.3),
    ]
    assert q1["other_texts"] == ["<b>还行</b>"]
    assert q2["mean"] == 3.33
    assert [(d["value"], d["count"]) for d in q2["distribution"]] == [(1, 1), (2, 0), (3, 0), (4, 1), (5, 1)]
    assert q3["texts"] == ["<script>alert('x')</script>"] and q3["answered"] == 1
    assert [(o["key"], o["count"], o["share"]) for o in q4["options"]] == [("o1", 2, 100.0), ("o2", 1, 50.0)]


def test_the_breakdown_is_by_district_then_by_street(survey, city):
    whole = results.results(survey)
    assert [(a["name"], a["responses"]) for a in whole["areas"]] == [("西区", 2), ("东区", 1)]
    west = results.results(survey, area=city.areas["990101"])
    assert west["responses"] == 2
    assert [(a["name"], a["responses"]) for a in west["areas"]] == [("西一街道", 1), ("西二街道", 1)]
    q1 = west["items"][0]
    assert [(a["name"], a["counts"]) for a in q1["by_area"]] == [("西一街道", [1, 0, 0, 0]), ("西二街道", [1, 0, 0, 0])]
    east = results.results(survey, area=city.areas["990102"])
    assert east["responses"] == 1 and east["areas"] == [] and east["unknown_area"] == 1


def test_script_in_answers_is_escaped_on_the_results_page(survey, admin, login):
    page = login(admin).get(reverse("participation_office:questionnaire_results", args=[survey.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<script>alert" not in body and "<b>还行</b>" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "&lt;b&gt;还行&lt;/b&gt;" in body
    assert 'id="chart-data" type="application/json"' in body
    assert "vendor/echarts/echarts.min.js" in body


def test_chart_labels_cannot_break_out_of_the_data_block(city, admin, login):
    q = build(city, choice("A?", "</script><script>alert(1)</script>", "否"), ask_area=False)
    send(q, {"q1": "o1"}, "t")
    body = login(admin).get(reverse("participation_office:questionnaire_results", args=[q.pk])).content.decode()
    assert "</script><script>alert(1)" not in body
    assert "\\u003C/script\\u003E" in body


def test_results_are_filtered_by_date_and_version(city, admin, login):
    q = build(city, choice("A?", "是", "否"), ask_area=False, publish=False)
    now = timezone.now()
    services.publish(q, admin, opens_at=now - timedelta(days=5))
    send(q, {"q1": "o1"}, "a", when=now - timedelta(days=3))
    services.add_item(q, admin, text("B?"))
    services.publish(q, admin)
    send(q, {"q1": "o2", "q2": "好"}, "b", when=now)
    assert results.results(q, version=1)["responses"] == 1
    assert results.results(q, since=now - timedelta(days=1))["responses"] == 1
    assert results.results(q, until=now - timedelta(days=1))["responses"] == 1
    client = in_english(login(admin))
    url = reverse("participation_office:questionnaire_results", args=[q.pk])
    today = timezone.localdate().isoformat()
    page = client.get(url, {"since": today, "until": today, "version": "2"})
    assert page.status_code == 200 and 'data-testid="responses">1<' in page.content.decode()
    bad = client.get(url, {"since": "03/01/2025", "version": "9", "district": "nowhere"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert (
        "Enter dates as YYYY-MM-DD." in body
        and "There is no such version." in body
        and "Choose a district from the list." in body
    )


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_export_columns_are_stable_across_versions_and_skipped_questions(city, admin, login):
    q = build(
        city,
        choice("出行方式", "公交", "步行", other=True),
        text("为什么步行?", show_if=("q1", ["o2"])),
        choice("去过哪里?", "公园", "广场", kind="multiple"),
    )
    send(q, {"q1": "o1", "q3": ["o1"]}, "a", district="990101", street="990101001")  # q2 skipped
    send(q, {"q1": "o2", "q2": "锻炼", "q3": ["o1", "o2"]}, "b", district="990102")
    # Version 2 adds an answer to q3 and a new scale question.
    services.update_item(
        q,
        admin,
        "q3",
        {
            **choice("去过哪里?", kind="multiple"),
            "options": [{"key": "o1", "label": "公园"}, {"key": "o2", "label": "广场"}, {"key": "", "label": "博物馆"}],
        },
    )
    services.add_item(q, admin, scale("打分", 1, 5))
    services.publish(q, admin)
    send(q, {"q1": "other", "q1_other": "骑车", "q3": ["o3"], "q4": "4"}, "c", district="990101")

    client = in_english(login(admin))
    headers, rows = sheet(client.get(reverse("participation_office:questionnaire_export", args=[q.pk])))
    assert list(headers) == [
        "response id",
        "submitted at",
        "version",
        "district",
        "street",
        "q1 出行方式",
        "q1.other 出行方式: Other",
        "q2 为什么步行?",
        "q3.o1 去过哪里?: 公园",
        "q3.o2 去过哪里?: 广场",
        "q3.o3 去过哪里?: 博物馆",
        "q4 打分",
    ]
    cells = [[row[h] for h in headers[2:]] for row in rows]
    assert cells == [
        [1, "西区", "西一街道", "公交", None, None, 1, 0, None, None],
        [1, "东区", None, "步行", None, "锻炼", 1, 1, None, None],
        [2, "西区", None, "Other", "骑车", None, 0, 0, 1, 4],
    ]
    # Exporting only version 2, or only one district, keeps the same columns.
    headers_v2, rows_v2 = sheet(
        client.get(reverse("participation_office:questionnaire_export", args=[q.pk]), {"version": "2"})
    )
    assert headers_v2 == headers and len(rows_v2) == 1
    headers_east, rows_east = sheet(
        client.get(reverse("participation_office:questionnaire_export", args=[q.pk]), {"district": "990102"})
    )
    assert headers_east == headers and [r["q2 为什么步行?"] for r in rows_east] == ["锻炼"]
    first = Response.objects.order_by("id").first()
    assert rows[0]["response id"] == first.pk
    assert rows[0]["submitted at"] == timezone.localtime(first.submitted_at).replace(
        tzinfo=None, microsecond=rows[0]["submitted at"].microsecond
    )


def test_a_bad_export_filter_goes_back_to_the_results(survey, admin, login):
    response = login(admin).get(
        reverse("participation_office:questionnaire_export", args=[survey.pk]), {"version": "x"}
    )
    assert response.status_code == 302


def test_typed_text_never_becomes_a_formula_in_the_export(city, admin, login):
    q = build(city, choice("A?", "是", other=True), text("B?"), ask_area=False)
    send(q, {"q1": "other", "q1_other": "=1+1", "q2": '=HYPERLINK("http://x")'}, "t")
    response = in_english(login(admin)).get(reverse("participation_office:questionnaire_export", args=[q.pk]))
    book = load_workbook(BytesIO(response.content))
    cells = [c for row in book.active.iter_rows(min_row=2) for c in row][5:]
    assert [(c.value, c.data_type) for c in cells] == [("Other", "s"), ("=1+1", "s"), ('=HYPERLINK("http://x")', "s")]
