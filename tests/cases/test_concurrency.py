"""Two people acting on one case at the same moment: exactly one wins, the other is told."""

import pytest

from tests.cases.conftest import WEST_POINT, category
from tests.concurrency import race
from tests.conftest import build_city
from wenming.cases import services
from wenming.cases.models import Case, CaseEvent, RoutingRule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dispatched_case():
    city = build_city()
    RoutingRule.objects.create(category=category("E0501"), unit=city.units["D1"])
    case = services.intake(
        source="inspection",
        category=category("E0501"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="占道经营",
        user=city.users["inspector"],
    ).case
    return city, case


@pytest.mark.parametrize("with_version", [False, True])
def test_of_two_simultaneous_acceptances_exactly_one_wins(dispatched_case, with_version):
    city, case = dispatched_case
    handler = city.users["department_handler"]
    version = case.version if with_version else None
    results = race(*(lambda: services.accept(case.pk, handler, version=version) for _ in range(2)))
    wins = [r for r in results if isinstance(r, Case)]
    losses = [r for r in results if isinstance(r, services.ServiceError)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].status == 409
    assert CaseEvent.objects.filter(case_id=case.pk, action="accept").count() == 1
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_a_return_and_a_red_flag_at_once_leave_a_consistent_case(dispatched_case):
    city, case = dispatched_case
    results = race(
        lambda: services.return_case(case.pk, city.users["department_handler"], note="不归我们", version=case.version),
        lambda: services.red_flag(
            case.pk, city.users["campaign_admin"], working_hours=2, note="督办", version=case.version
        ),
    )
    assert sum(isinstance(r, Case) for r in results) == 1, results
    assert sum(isinstance(r, services.Conflict) for r in results) == 1
    final = Case.objects.get(pk=case.pk)
    assert final.events.count() == 4  # report, register, dispatch and the one winner
    assert final.version == case.version + 1


def test_simultaneous_reports_get_distinct_numbers():
    city = build_city()
    user = city.users["campaign_admin"]
    results = race(
        *(
            (
                lambda i=i: (
                    services.intake(
                        source="hotline",
                        category=category("E0502"),
                        lon=WEST_POINT[0] + i * 0.001,
                        lat=WEST_POINT[1],
                        description=f"乱停车{i}",
                        user=user,
                    ).case
                )
            )
            for i in range(4)
        )
    )
    assert all(isinstance(r, Case) for r in results), results
    assert len({r.number for r in results}) == 4


def test_a_double_submission_with_one_key_creates_one_case():
    city = build_city()
    arguments = dict(
        source="citizen",
        category=category("E0502"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="乱停车",
        user=city.users["citizen"],
        client_key="double-tap-0001",
    )
    results = race(*(lambda: services.intake(**arguments) for _ in range(2)))
    assert all(isinstance(r, services.IntakeResult) for r in results), results
    assert {r.case.pk for r in results} == {Case.objects.get().pk}
    assert sorted(r.created for r in results) == [False, True]
