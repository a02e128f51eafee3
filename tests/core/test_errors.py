"""One family of errors, mapped once for pages: a refusal a view does not handle itself
answers with its status and its message, and a wait with Retry-After."""

import pytest
from django.test import override_settings
from django.urls import include, path

from wenming.core import errors


def refusing(error):
    def view(request):
        raise error

    return view


urlpatterns = [
    path("refuse/invalid/", refusing(errors.Invalid("地址不对", {"address": "地址不对"}))),
    path("refuse/forbidden/", refusing(errors.Forbidden("只有创城办可以这样做"))),
    path("refuse/missing/", refusing(errors.NotFound("没有这个问卷"))),
    path("refuse/conflict/", refusing(errors.InvalidTransition("已经结案", allowed=["evaluate"]))),
    path("refuse/later/", refusing(errors.TooSoon("请稍后再试", 90))),
    path("", include("wenming.urls")),
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    "url, status, message",
    [
        ("/refuse/invalid/", 400, "地址不对"),
        ("/refuse/forbidden/", 403, "只有创城办可以这样做"),
        ("/refuse/missing/", 404, "没有这个问卷"),
        ("/refuse/conflict/", 409, "已经结案"),
        ("/refuse/later/", 429, "请稍后再试"),
    ],
)
def test_a_refusal_becomes_a_page_with_its_status_and_message(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert message in response.content.decode()
    assert 'class="error-page"' in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_wait_says_when_to_come_back(client):
    assert client.get("/refuse/later/")["Retry-After"] == "90"


def test_field_messages_travel_in_the_details():
    error = errors.Invalid("两处不对", {"lon": "不是数字"}, allowed=["x"])
    assert error.fields == {"lon": "不是数字"}
    assert error.details == {"allowed": ["x"], "fields": {"lon": "不是数字"}}
    assert errors.Forbidden("不行").fields == {}


def test_each_kind_has_its_status_and_code():
    kinds = [errors.Invalid, errors.Forbidden, errors.NotFound, errors.Conflict, errors.InvalidTransition]
    assert [(k.status, k.code) for k in kinds] == [
        (400, "invalid"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "conflict"),
        (409, "invalid_transition"),
    ]
    assert issubclass(errors.InvalidTransition, errors.Conflict)
    assert (errors.TooSoon("稍后", 5).status, errors.TooSoon("稍后", 5).retry_after) == (429, 5)
