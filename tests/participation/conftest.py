"""Fixtures of the citizen portal: residents with portal accounts beside the city's staff."""

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD
from wenming.participation.models import Citizen


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
