"""Lists cost a fixed number of queries, however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import box

from tests.conftest import feature
from wenming.org import services


def add_communities(first, last):
    """Communities with a committee and a handler each, in strips of the east street."""
    numbers = range(first, last + 1)

    def strip(i):
        return box(111.1 + i * 0.001, 40.0, 111.1 + (i + 1) * 0.001, 40.01)

    services.import_areas([feature(f"990102001{i:03d}", f"社区{i}", strip(i)) for i in numbers], "community")
    services.import_units(
        [
            (
                i,
                {
                    "code": f"U{i}",
                    "name": f"社区居委会{i}",
                    "kind": "community",
                    "area_code": f"990102001{i:03d}",
                    "parent_code": "E1",
                },
            )
            for i in numbers
        ]
    )
    services.import_users(
        [
            (
                i,
                {
                    "username": f"p{i}",
                    "real_name": f"人{i}",
                    "role": "handler",
                    "unit_code": f"U{i}",
                    "password": "long-enough-pass-1",
                },
            )
            for i in numbers
        ]
    )


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize(
    "url",
    [
        "/office/org/areas/",
        "/office/org/units/",
        "/office/org/people/",
        "/office/org/units/E1/",
        "/office/org/areas/990102001/",
    ],
)
def test_a_page_costs_the_same_queries_for_5_or_40_rows(city, login, url):
    client = login(city.users["campaign_admin"])
    add_communities(1, 5)
    few = queries(client, url)
    add_communities(6, 40)
    many = queries(client, url)
    assert len(many) == len(few), many
