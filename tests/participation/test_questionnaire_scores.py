"""The score service for the evaluation framework, checked against sums done by hand."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.participation.questionnaire_kit import build, choice, scale, text
from wenming.participation.services import questionnaires as services
from wenming.participation.services.questionnaire_results import score


@pytest.fixture
def scored(city):
    """q1 single (100 / 60 / 0 / no score), q2 multiple (100 / 50 / no score), q3 scale 1–5: all scored;
    q4 text and q5 single are not.

    R1 西一街道: q1 100, q2 mean(100, 50) = 75, q3 5 → 100
    R2 西二街道: q1 60, q2 only the unscored answer → none, q3 2 → 25
    R3 东一街道: q1 unscored answer → none, q2 50, q3 1 → 0
    R4 东区 (no street): q1 0, q2 not answered, q3 3 → 50
    """
    admin = city.users["campaign_admin"]
    q = build(
        city,
        choice("总体满意度", "满意", "基本满意", "不满意", "说不清", scores=[100, 60, 0, None], scored=True),
        choice(
            "满意的地方", "公园", "广场", "商场", kind="multiple", scores=[100, 50, None], scored=True, required=False
        ),
        scale("打分", 1, 5, scored=True),
        text("建议"),
        choice("年龄", "青年", "老年", scores=[100, 0], required=False),
        publish=False,
    )
    start = timezone.now() - timedelta(days=10)
    services.publish(q, admin, opens_at=start)
    rows = [
        ({"q1": "o1", "q2": ["o1", "o2"], "q3": "5", "q5": "o1"}, "990101", "990101001", 1),
        ({"q1": "o2", "q2": ["o3"], "q3": "2", "q5": "o2"}, "990101", "990101002", 2),
        ({"q1": "o4", "q2": ["o2"], "q3": "1"}, "990102", "990102001", 3),
        ({"q1": "o3", "q3": "3", "q4": "多建公厕"}, "990102", "", 4),
    ]
    for n, (data, district, street, day) in enumerate(rows):
        services.submit(
            q, {**data, "district": district, "street": street}, session_token=f"s{n}", now=start + timedelta(days=day)
        )
    q.start = start
    return q


def test_the_questionnaire_item_and_district_scores(scored):
    result = score(scored)
    assert result["responses"] == 4
    assert result["items"] == {
        "q1": {"score": pytest.approx(160 / 3), "answers": 3},
        "q2": {"score": pytest.approx(62.5), "answers": 2},
        "q3": {"score": pytest.approx(43.75), "answers": 4},
    }
    # The mean of the item scores weighted by their answers: (160 + 125 + 175) / 9.
    assert result["score"] == pytest.approx(460 / 9)
    assert result["areas"] == {"990101": pytest.approx(72.0), "990102": pytest.approx(25.0)}


def test_an_area_counts_its_descendants_and_breaks_down_by_street(scored, city):
    west = score(scored, area=city.areas["990101"])
    assert west["responses"] == 2
    assert west["score"] == pytest.approx(72.0)  # (100 + 75 + 100 + 60 + 25) / 5
    assert west["areas"] == {"990101001": pytest.approx(275 / 3), "990101002": pytest.approx(42.5)}
    east = score(scored, area=city.areas["990102"])
    assert east["responses"] == 2 and east["score"] == pytest.approx(25.0)
    # The response that named only the district counts in the total, not under a street.
    assert east["areas"] == {"990102001": pytest.approx(25.0)}
    street = score(scored, area=city.areas["990101002"])
    assert street["score"] == pytest.approx(42.5) and street["items"]["q2"] == {"score": None, "answers": 0}


def test_the_period_narrows_the_responses(scored):
    start = scored.start
    early = score(scored, until=start + timedelta(days=2, hours=12))  # R1 and R2
    assert early["responses"] == 2 and early["score"] == pytest.approx(72.0)
    late = score(scored, since=start + timedelta(days=2, hours=12))  # R3 and R4
    assert late["responses"] == 2 and late["score"] == pytest.approx(25.0)


def test_nothing_scored_gives_no_score(city):
    q = build(city, choice("A?", "是", "否"), text("B?"), ask_area=False)
    services.submit(q, {"q1": "o1"}, session_token="t")
    assert score(q) == {"score": None, "responses": 1, "items": {}, "areas": {}}


def test_each_answer_is_scored_under_its_own_version(scored, city):
    """Version 2 rescores 基本满意 to 80: old answers keep 60, new ones count 80."""
    admin = city.users["campaign_admin"]
    services.update_item(
        scored,
        admin,
        "q1",
        {
            **choice("总体满意度", scored=True),
            "options": [
                {"key": "o1", "label": "满意", "score": 100},
                {"key": "o2", "label": "基本满意", "score": 80},
                {"key": "o3", "label": "不满意", "score": 0},
                {"key": "o4", "label": "说不清"},
            ],
        },
    )
    services.publish(scored, admin)
    services.submit(scored, {"q1": "o2", "q3": "5", "district": "990101"}, session_token="new")
    q1 = score(scored)["items"]["q1"]
    assert q1 == {"score": pytest.approx((100 + 60 + 0 + 80) / 4), "answers": 4}
