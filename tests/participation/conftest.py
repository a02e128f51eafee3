"""Fixtures of the citizen portal: residents with portal accounts beside the city's staff, the
city's routing, topics of suggestions, media kept apart, generous rate limits."""

import pytest
from django.contrib.auth import get_user_model

from tests.cases.conftest import with_routing
from tests.conftest import PASSWORD
from wenming.participation.models import Citizen, PortalSettings, SuggestionTopic
from wenming.participation.protection import DEFAULT_LIMITS
from wenming.participation.services import suggestions as service


def make_resident(name: str, phone: str) -> object:
    user = get_user_model().objects.create_user(username=f"r{phone}", password=PASSWORD)
    Citizen.objects.create(user=user, nickname=name, phone=phone)
    return user


@pytest.fixture
def resident(city):
    """A citizen registered through the portal (no staff role)."""
    return make_resident("小王", "13900000001")


@pytest.fixture
def neighbour(city):
    return make_resident("老李", "13900000002")


@pytest.fixture
def world(city):
    """The city with the routing rules of the case tests (tests/cases/conftest.py)."""
    return with_routing(city)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def no_limits(settings):
    settings.WENMING_PORTAL_LIMITS = {
        action: {"account": (10000, 3600), "ip": (10000, 3600)} for action in DEFAULT_LIMITS
    }


@pytest.fixture
def topics(city):
    service.seed_topics()
    return {t.name: t for t in SuggestionTopic.objects.all()}


@pytest.fixture
def portal_settings(city):
    return PortalSettings.get()


@pytest.fixture
def suggest(topics, media):
    """Submit through the one service: suggest(user, title=…, body=…, topic="市容环境", where=WEST, …)."""

    def make(
        user,
        title="公园里垃圾桶太少了",
        body="每到周末公园里人很多，希望多放几个垃圾桶。",
        topic="市容环境",
        where=None,
        **extra,
    ):
        lon, lat = where if where else (None, None)
        return service.submit(user, topic=topics[topic], title=title, body=body, lon=lon, lat=lat, **extra)

    return make
