"""A realistic stream of cases for the demo city, written in bulk.

``simulate()`` plays each case's life through as the services would have written
it: the same numbers, routes, deadlines and CaseEvent rows, the case row agreeing
with its last event. Calling the services once per case would take hours for a
million cases, so the rows are generated in memory and written a batch at a time:
one INSERT per table executed over all the batch's rows (executemany), values
adapted as each field adapts them. (Model.objects.bulk_create spends most of its
time compiling SQL for every single value: about 1,700 cases/s with their events
here, against the 5,000 needed for a million cases in minutes.)

Simplifications, all visible in the data: no photos are attached (the services
require one on rectification), nobody red-flags or reopens a case, and only merged
duplicates carry a "possible duplicate" count.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import random
import resource
import time as clock
import traceback
from collections import Counter, defaultdict, deque
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely
from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases import routing
from wenming.cases.models import (
    Case,
    CaseEvent,
    CaseRequest,
    Category,
    Priority,
    RequestKind,
    RequestStatus,
    RoutingRule,
    Satisfaction,
    Source,
    Status,
    TimeUnit,
)
from wenming.cases.services import TRUSTED_SOURCES
from wenming.core.errors import Invalid
from wenming.core.models import Sequence
from wenming.org import services as org_services
from wenming.org.demo import CORE_CENTRE, URBAN_DISTRICTS
from wenming.org.models import Area, AreaLevel, Membership, Role, Unit, UnitKind
from wenming.workdays.calendar import get_calendar

DEFAULT_BATCH = 5000
SQLITE_CACHE_KIB = 256 * 1024  # page cache while writing; peak RSS stays far below 1 GiB

# Arrivals per hour of day (local time): morning and afternoon office peaks, few at night.
HOUR_WEIGHTS = np.array(
    [
        0.15,
        0.08,
        0.05,
        0.04,
        0.05,
        0.10,
        0.30,
        0.80,
        1.80,
        3.00,
        3.20,
        2.80,
        1.40,
        1.30,
        2.60,
        3.00,
        3.00,
        2.60,
        1.40,
        1.00,
        0.80,
        0.60,
        0.40,
        0.25,
    ]
)
WEEKEND_FACTOR = {5: 0.55, 6: 0.45}  # Saturday, Sunday
HOLIDAY_FACTOR = 0.5  # an official day off on a weekday

# Subclass (kind + code) → relative frequency; any other active subclass gets OTHER_WEIGHT.
CATEGORY_WEIGHTS = {
    "E0101": 16,
    "E0501": 14,
    "E0502": 13,
    "E0201": 11,
    "E0102": 10,  # the five most common
    "E0505": 5,
    "E0104": 4,
    "E0106": 3.5,
    "E0504": 3,
    "C0301": 2.5,
    "E0105": 2,
    "C0102": 2,
    "E0601": 2,
    "E0503": 1.5,
    "E0303": 1.5,
    "C0201": 1.5,
    "E0302": 1.2,
    "E0204": 1.2,
    "C0101": 1,
}
OTHER_WEIGHT = 0.5

SOURCE_WEIGHTS = {
    Source.INSPECTION: 0.28,
    Source.GRID: 0.27,
    Source.CITIZEN: 0.15,
    Source.HOTLINE: 0.12,
    Source.VOLUNTEER: 0.07,
    Source.SUPERVISION: 0.05,
    Source.MEDIA: 0.03,
    Source.LEADER: 0.03,
}
URGENT_SHARE = {Source.LEADER: 0.3, Source.MEDIA: 0.2, Source.SUPERVISION: 0.1}
URGENT_SHARE_DEFAULT = 0.03
URGENT_SHARE_EMERGENCY = 0.5  # major class 04 of events, 突发事件
REJECT_SHARE = {
    Source.CITIZEN: 0.05,
    Source.VOLUNTEER: 0.03,
    Source.HOTLINE: 0.03,
    Source.MEDIA: 0.01,
    Source.OPEN311: 0.05,
}
MERGE_SHARE = {
    Source.CITIZEN: 0.03,
    Source.HOTLINE: 0.04,
    Source.VOLUNTEER: 0.02,
    Source.MEDIA: 0.02,
    Source.OPEN311: 0.03,
}
CITIZEN_WITH_ACCOUNT = 0.5  # the rest report anonymously
RETURN_SHARE = (0.04, 0.01)  # on the first dispatch, on a later one
EXTENSION_SHARE, EXTENSION_APPROVED = 0.05, 0.85
SUSPENSION_SHARE, SUSPENSION_APPROVED = 0.005, 0.7
REWORK_SHARE = (0.08, 0.03, 0.01)  # verification fails the 1st, 2nd, 3rd time
EVALUATION_SHARE = {Source.CITIZEN: 0.6, Source.HOTLINE: 0.5}
SATISFIED_SHARE, SATISFIED_SHARE_AFTER_TROUBLE = 0.9, 0.7
SLOW_UNIT_SHARE, SLOW_UNIT_FACTOR = 0.12, 1.8
SWEEP_SECONDS = 300  # `wenming cases supervise` runs every five minutes
MAX_DELAY_SECONDS = 60 * 7 * 3600  # no single step waits longer than 60 working days

# The core weight of the demo's generated grids: dense in the old town, thin in the villages.
CORE_SCALE_KM = 3.0

DESCRIPTIONS = {
    "E0101": ["路边有人乱扔垃圾", "人行道上烟头、纸屑较多", "绿化带内有塑料袋等垃圾", "公交站旁地面有饮料瓶等垃圾"],
    "E0102": ["垃圾桶满溢，垃圾堆在地上", "小区门口有垃圾堆放未清运", "路边暴露垃圾无人清理"],
    "E0201": ["电线杆上贴满小广告", "楼道和墙面有大量小广告", "公交站牌上有小广告"],
    "E0501": ["路边有人占道摆摊卖水果", "早市摊贩占用人行道经营", "烧烤摊占道经营，影响通行"],
    "E0502": ["机动车停在人行道上", "车辆违规停放堵塞消防通道", "路口有车辆乱停乱放"],
    "E0505": ["共享单车乱停乱放，堵塞人行道", "地铁口非机动车停放杂乱"],
}
DESCRIPTION_FORMS = ["{}，请尽快处理", "发现{}，影响市容", "{}，群众反映较多"]
ROADS = (
    "新华大街 中山西路 中山东路 锡林郭勒北路 锡林郭勒南路 呼伦贝尔北路 呼伦贝尔南路 兴安北路 兴安南路 "
    "昭乌达路 大学东街 大学西街 海拉尔东路 海拉尔西路 成吉思汗大街 鄂尔多斯大街 乌兰察布东路 乌兰察布西路 "
    "通道南路 通道北街 北垣东街 南二环路 滨河北路 巴彦淖尔南路 展览馆东路 新城东街 丰州路 公园东路 金桥路 如意和大街"
).split()
RECTIFY_NOTES = ["已安排人员清理，现场恢复整洁", "已现场处置完毕", "已整改到位，并加强巡查", "已联系责任人整改完成"]
VERIFY_FAIL_NOTES = ["整改不到位，现场仍有问题", "复查发现问题反弹，请重新处置"]
VERIFY_PASS_NOTES = ["", "", "核查通过", "现场已整改到位"]
RETURN_NOTES = ["该问题不属于本单位职责范围", "经核实非本单位管辖，请重新派遣"]
EXTENSION_REASONS = ["需协调多个部门共同处置，申请延期", "需采购材料后施工，申请延期"]
SUSPENSION_REASONS = ["涉及产权纠纷，暂无法处置"]
REJECT_NOTES = ["经核实，现场不存在该问题", "描述不清且无法联系反映人，无法核实", "不属于文明城市创建受理范围"]

OPEN = frozenset({Status.DISPATCHED.value, Status.ACCEPTED.value})
FINISHED = frozenset({Status.CLOSED.value, Status.EVALUATED.value, Status.REJECTED.value, Status.MERGED.value})
NOBODY = (None, None)
# Event data shared by many events, so that each is encoded once per batch.
NO_DATA: dict = {}
NO_DUPLICATES = {"duplicates": [], "location_from": "given"}
PASSED, FAILED = {"passed": True}, {"passed": False}
ESCALATED = {"level": 2}
SATISFACTION_DATA = {s.value: {"satisfaction": s.value} for s in Satisfaction}


class SimulationError(Invalid):
    """Bad arguments, or a database without the demo city: nothing was written."""


class _Cut(Exception):
    """The next step of a case would happen after the end of the simulated period."""


# ---------------------------------------------------------------------------
# The demo city as the simulator needs it, read once.


class _Grid:
    __slots__ = (
        "id",
        "community_id",
        "street_id",
        "district_id",
        "district_name",
        "street_name",
        "geometry",
        "bounds",
        "route_key",
        "dispatch_candidates",
    )


class _World:
    def __init__(self, seed: int):
        self.seed = seed
        self.calendar = get_calendar()
        self.day_seconds = self.calendar.day_seconds
        self._load_categories()
        self._load_units()
        self._load_grids()
        self._load_people()
        self._load_routes()
        self._speeds: dict = {}

    def _load_categories(self):
        categories = list(
            Category.objects.filter(parent__isnull=False, is_active=True)
            .select_related("parent")
            .order_by("kind", "code")
        )
        if not categories:
            raise SimulationError(_("There are no active categories to simulate."))
        self.categories = categories
        weights = np.array([CATEGORY_WEIGHTS.get(c.kind + c.code, OTHER_WEIGHT) for c in categories], dtype=float)
        self.category_p = weights / weights.sum()
        self.category_descriptions = [
            DESCRIPTIONS.get(c.kind + c.code) or [form.format(c.plain_name or c.name) for form in DESCRIPTION_FORMS]
            for c in categories
        ]
        self.category_emergency = [c.kind == "E" and c.parent.code == "04" for c in categories]

    def _load_units(self):
        self.unit_code = {}
        by_area_kind = defaultdict(list)
        for unit_id, code, kind, area_id in (
            Unit.objects.filter(is_active=True).order_by("path").values_list("id", "code", "kind", "area_id")
        ):
            self.unit_code[unit_id] = code
            by_area_kind[(area_id, kind)].append(unit_id)
        self.units_by_area_kind = by_area_kind
        self.offices = {}  # district id → dispatching office id
        city_office = org_services.campaign_office_for(None)
        self.city_office = city_office.pk if city_office else None

    def _load_grids(self):
        districts = list(Area.objects.filter(level=AreaLevel.DISTRICT, code__in=URBAN_DISTRICTS).order_by("code"))
        if not districts:
            raise SimulationError(_("The demo city is not loaded: run `wenming demo --no-serve` first."))
        area_ids = {code: (pk, name) for pk, code, name in Area.objects.values_list("id", "code", "name")}
        rule_area_codes = set(
            RoutingRule.objects.filter(is_active=True, area__isnull=False).values_list("area__code", flat=True)
        )
        grids, weights = [], []
        lon0, lat0 = CORE_CENTRE
        for district in districts:
            office = org_services.campaign_office_for(district)
            self.offices[district.pk] = office.pk if office else None
            rows = (
                Area.objects.filter(level=AreaLevel.GRID, path__startswith=district.path)
                .order_by("code")
                .values_list("id", "path", "label_lon", "label_lat", "area_km2", "boundary")
            )
            for grid_id, path, lon, lat, km2, boundary in rows.iterator(chunk_size=500):
                if not boundary:
                    continue
                codes = path.strip("/").split("/")
                if len(codes) != 5:
                    continue
                grid = _Grid()
                grid.id = grid_id
                grid.district_id, grid.district_name = area_ids[codes[1]]
                grid.street_id, grid.street_name = area_ids[codes[2]]
                grid.community_id = area_ids[codes[3]][0]
                grid.geometry = shapely.geometry.shape(boundary)
                shapely.prepare(grid.geometry)
                grid.bounds = grid.geometry.bounds
                # Grids with the same rule areas above them share every route.
                grid.route_key = tuple(c for c in codes if c in rule_area_codes)
                grid.dispatch_candidates = self._dispatch_candidates(grid)
                grids.append(grid)
                dx = (lon - lon0) * 111.32 * math.cos(math.radians(lat0))
                dy = (lat - lat0) * 110.57
                weights.append((km2 or 0.0) / (1.0 + (math.hypot(dx, dy) / CORE_SCALE_KM) ** 3))
        if not grids:
            raise SimulationError(_("The urban districts have no grids: run `wenming demo --no-serve` first."))
        self.grids = grids
        weights = np.array(weights)
        self.grid_p = weights / weights.sum()

    def _dispatch_candidates(self, grid: _Grid) -> list[int]:
        """Units a dispatcher picks by hand when no rule applies or a unit returned the case."""
        found = []
        for area_id, kind in (
            (grid.street_id, UnitKind.STREET_OFFICE),
            (grid.district_id, UnitKind.DEPARTMENT),
            (grid.district_id, UnitKind.DISTRICT_GOVERNMENT),
        ):
            found.extend(self.units_by_area_kind.get((area_id, kind), [])[:1])
        return found

    def _load_people(self):
        """Demo users by what they can do; the simulator never invents anyone."""
        self.handlers = defaultdict(list)  # unit id → users who may accept and rectify
        self.office_staff = defaultdict(list)  # campaign office id → users who may register and dispatch
        self.inspectors = []  # (user id, unit id, unit's area path)
        self.grid_workers = defaultdict(list)  # grid id → (user id, unit id)
        self.volunteers, self.citizens = [], []
        memberships = (
            Membership.objects.filter(is_active=True, user__is_active=True)
            .order_by("id")
            .values_list("user_id", "unit_id", "unit__kind", "unit__area__path", "role", "area_id", "unit__area_id")
        )
        for user_id, unit_id, unit_kind, unit_path, role, area_id, unit_area_id in memberships:
            if role in (Role.HANDLER, Role.UNIT_LEADER):
                self.handlers[unit_id].append(user_id)
            if unit_kind == UnitKind.CAMPAIGN_OFFICE and role in (Role.CAMPAIGN_ADMIN, Role.HANDLER, Role.UNIT_LEADER):
                self.office_staff[unit_id].append(user_id)
            if role == Role.INSPECTOR:
                self.inspectors.append((user_id, unit_id, unit_path))
            elif role == Role.GRID_WORKER:
                self.grid_workers[area_id or unit_area_id].append((user_id, unit_id))
            elif role == Role.VOLUNTEER:
                self.volunteers.append(user_id)
            elif role == Role.CITIZEN:
                self.citizens.append(user_id)
        district_paths = dict(Area.objects.filter(id__in=self.offices).values_list("id", "path"))
        self.district_inspectors = {
            d: [(u, unit) for u, unit, path in self.inspectors if path and district_paths[d].startswith(path)]
            for d in self.offices
        }
        self.community_units = {
            grid.community_id: (self.units_by_area_kind.get((grid.community_id, UnitKind.COMMUNITY)) or [None])[0]
            for grid in self.grids
        }

    def _load_routes(self):
        """routing.route() once per category and set of rule areas above a grid (the same answer
        for every grid sharing them), so that generating needs no database."""
        self.routes = {}
        representatives = {}
        for grid in self.grids:
            representatives.setdefault(grid.route_key, grid.id)
        areas = Area.objects.defer("boundary").in_bulk(list(representatives.values()))
        for key, grid_id in representatives.items():
            for index, category in enumerate(self.categories):
                route = routing.route(category, areas[grid_id])
                unit_id = route.unit.pk if route.unit else None
                register_data = {
                    "suggested_unit": route.unit.code if route.unit else None,
                    "rule": route.rule.pk if route.rule else None,
                    "reason": route.reason,
                }
                dispatch_data = (
                    {"unit": route.unit.code, "automatic": True, "reason": route.reason} if route.unit else None
                )
                self.routes[(index, key)] = (
                    unit_id,
                    route.auto and unit_id is not None,
                    route.reason[:300],
                    register_data,
                    dispatch_data,
                )

    def route(self, category_index: int, grid: _Grid) -> tuple:
        return self.routes[(category_index, grid.route_key)]

    def speed(self, unit_id: int) -> float:
        """How long the unit takes compared with a typical one (seeded by the unit's code)."""
        speed = self._speeds.get(unit_id)
        if speed is None:
            own = random.Random(f"{self.seed}/{self.unit_code[unit_id]}")
            speed = math.exp(own.gauss(0.0, 0.25))
            if own.random() < SLOW_UNIT_SHARE:
                speed *= SLOW_UNIT_FACTOR
            self._speeds[unit_id] = speed
        return speed


# ---------------------------------------------------------------------------
# Writing rows in bulk.


class _TableWriter:
    """INSERT … VALUES (%s, …) executed over many rows, values adapted as the fields would.

    Columns the simulator does not produce get the field's default, so a field
    added to the model later does not break the simulator."""

    def __init__(self, model, columns: tuple[str, ...]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [f for name, f in fields.items() if name not in columns and not f.primary_key]
        ordered = [fields[c] for c in columns] + missing
        quote = connection.ops.quote_name
        table, names = quote(model._meta.db_table), ", ".join(quote(f.column) for f in ordered)
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(ordered))})"
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        self.defaults = [f.get_db_prep_save(f.get_default(), connection) for f in missing]
        self.adapters = [(i, adapter) for i, c in enumerate(columns) if (adapter := _adapter(fields[c])) is not None]

    def prepare(self, rows: list) -> list:
        """Database values for the rows; touches no connection, so it can run in the generating process."""
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        for i, adapt in self.adapters:
            # Many rows share one value (a route's data, the instant of intake): adapt it once.
            memo = {}
            adapted = []
            for value in columns[i]:
                if value is None:
                    adapted.append(None)
                    continue
                key = id(value)
                done = memo.get(key)
                if done is None:
                    done = memo[key] = adapt(value)
                adapted.append(done)
            columns[i] = adapted
        columns.extend([default] * len(rows) for default in self.defaults)
        return list(zip(*columns, strict=True))

    def write(self, prepared: list) -> None:
        if not prepared:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: psycopg's executemany sends one statement per row, several times slower.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, prepared)


def _adapter(field):
    """The field's own conversion to a database value, bound once (these run millions of times)."""
    ops = connections[DEFAULT_DB_ALIAS].ops
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and settings.USE_TZ:
            # What ops.adapt_datetimefield_value gives for an aware datetime (naive UTC text),
            # twice as fast: cut the "+00:00" off the UTC ISO form.
            return lambda value: value.astimezone(UTC).isoformat(" ")[:-6]
        return ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: ops.adapt_json_value(value, encoder)
    return None


CASE_COLUMNS = (
    "id",
    "number",
    "kind",
    "category_id",
    "source",
    "status",
    "priority",
    "description",
    "address",
    "lon",
    "lat",
    "area_id",
    "district_id",
    "street_id",
    "community_id",
    "grid_id",
    "reporter_id",
    "anonymous",
    "assigned_unit_id",
    "dispatcher_unit_id",
    "suggested_unit_id",
    "routing_reason",
    "duplicate_of_id",
    "possible_duplicates",
    "time_limit",
    "time_unit",
    "deadline_from",
    "deadline_seconds",
    "deadline",
    "deadline_provisional",
    "remaining_seconds",
    "suspended_from",
    "is_overdue",
    "escalation",
    "reminded",
    "rework_count",
    "return_count",
    "extension_count",
    "satisfaction",
    "created_at",
    "updated_at",
    "dispatched_at",
    "rectified_at",
    "closed_at",
    "public_note",
    "search_text",
    "version",
)
EVENT_COLUMNS = (
    "case_id",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_unit_id",
    "at",
    "note",
    "public",
    "data",
)
REQUEST_COLUMNS = (
    "case_id",
    "kind",
    "status",
    "working_days",
    "reason",
    "requested_by_id",
    "requested_at",
    "decided_by_id",
    "decided_at",
    "decision_note",
)


# ---------------------------------------------------------------------------
# One case's life.


class _Case:
    __slots__ = (
        "id",
        "number",
        "category",
        "source",
        "priority",
        "grid",
        "lon",
        "lat",
        "reporter",
        "anonymous",
        "description",
        "address",
        "dispatcher",
        "status",
        "version",
        "updated_at",
        "assigned",
        "suggested",
        "routing_reason",
        "duplicate_of",
        "possible_duplicates",
        "time_limit",
        "time_unit",
        "deadline_from",
        "deadline_seconds",
        "deadline",
        "provisional",
        "remaining",
        "suspended_from",
        "is_overdue",
        "escalation",
        "reminded",
        "rework",
        "returns",
        "extensions",
        "satisfaction",
        "created_at",
        "dispatched_at",
        "rectified_at",
        "closed_at",
        "public_note",
        "events",
        "requests",
        "finished_at",
        "handled",
    )


class _Simulator:
    def __init__(self, world: _World, seed: int, end: datetime, first_case_id: int):
        self.world = world
        self.calendar = world.calendar
        self.random = random.Random(seed)
        self.end = end
        self.next_id = first_case_id
        self.sequences = dict(Sequence.objects.values_list("prefix", "last"))
        self.touched_prefixes: set[str] = set()
        # Recent cases per category, the candidates a duplicate report is merged into.
        self.recent = defaultdict(lambda: deque(maxlen=20))
        self.merge_note = _("Merged into %s")
        self.seed = seed
        self.statuses: Counter = Counter()
        self.overdue = 0
        self.zone = self.calendar.zone
        self.local_zone = timezone.get_current_timezone()  # what timezone.localtime() uses in _next_number

    # Time

    def later(self, start: datetime, seconds: float, working: bool) -> datetime:
        seconds = min(max(int(seconds), 1), MAX_DELAY_SECONDS)
        if working:
            return self.calendar.add_working_seconds(start, seconds)
        return start + timedelta(seconds=seconds)

    def office_delay(self, start: datetime, median_seconds: float = 1500) -> datetime:
        return self.later(start, self.random.lognormvariate(math.log(median_seconds), 1.0), True)

    def next_sweep(self, moment: datetime) -> datetime:
        stamp = math.ceil(moment.timestamp() / SWEEP_SECONDS) * SWEEP_SECONDS
        return datetime.fromtimestamp(stamp, tz=self.zone)

    def at(self, case: _Case, moment: datetime) -> None:
        """Let the clock run to ``moment`` (supervision sweeps included), or stop at the end."""
        if moment > self.end:
            self.sweep(case, self.end, inclusive=True)
            raise _Cut
        self.sweep(case, moment)

    def sweep(self, case: _Case, until: datetime, inclusive: bool = False) -> None:
        """What services.supervise() records while an open case waits: overdue, then escalation."""
        if case.status not in OPEN or case.deadline is None:
            return
        if not case.is_overdue:
            due = self.next_sweep(case.deadline)
            if due > until or (due == until and not inclusive):
                return
            self.emit(
                case,
                "overdue",
                case.status,
                NOBODY,
                due,
                public=False,
                data={"deadline": case.deadline.isoformat()},
                change=False,
            )
            case.is_overdue, case.escalation, case.reminded = True, 1, True
        if case.escalation == 1:
            # The first moment one working day has passed since the deadline (supervise()'s test);
            # adding the whole day would give the next morning when it ends at closing time.
            day_passed = self.calendar.add_working_seconds(case.deadline, self.world.day_seconds - 1) + timedelta(
                seconds=1
            )
            due = self.next_sweep(day_passed)
            if due < until or (due == until and inclusive):
                self.emit(case, "escalate", case.status, NOBODY, due, public=False, data=ESCALATED, change=False)
                case.escalation = 2

    def start_clock(self, case: _Case, now: datetime, seconds: int | None = None) -> None:
        """services.deadlines.start_clock."""
        unit = case.time_unit or TimeUnit.WORKING_DAYS
        if seconds is None:
            seconds = self.calendar.to_seconds(case.time_limit or 0, unit)
        case.deadline_from = now
        case.deadline_seconds = seconds
        case.deadline, case.provisional = self.calendar.deadline(now, seconds, unit, in_seconds=True)
        case.is_overdue = False
        case.escalation = 0
        case.reminded = False

    # Events

    def emit(self, case, action, to_status, actor, at, *, note="", data=NO_DATA, public=True, change=True):
        case.events.append((case.id, action, case.status, to_status, actor[0], actor[1], at, note, public, data))
        case.status = to_status
        if change:  # a transition through services.lifecycle._change: version, updated_at, public note
            case.version += 1
            case.updated_at = at
            if public and note:
                case.public_note = note[:500]

    def pick(self, users: list, unit_id):
        return (self.random.choice(users) if users else None, unit_id)

    def office(self, case: _Case):
        return self.pick(self.world.office_staff.get(case.dispatcher, []), case.dispatcher)

    def handler(self, case: _Case):
        return self.pick(self.world.handlers.get(case.assigned, []), case.assigned)

    # The life of one case

    def new_case(self, created_at: datetime, category_index: int, source: str, grid: _Grid) -> _Case:
        world, rnd = self.world, self.random
        category = world.categories[category_index]
        if source in (Source.CITIZEN, Source.OPEN311) and not category.citizen_reportable:
            source = Source.HOTLINE
        case = _Case()
        case.id = self.next_id
        self.next_id += 1
        case.category = category_index
        case.source = source
        urgent_share = (
            URGENT_SHARE_EMERGENCY
            if world.category_emergency[category_index]
            else URGENT_SHARE.get(source, URGENT_SHARE_DEFAULT)
        )
        case.priority = Priority.URGENT if rnd.random() < urgent_share else Priority.NORMAL
        case.created_at = case.updated_at = created_at
        case.status = ""
        case.version = 1
        case.events, case.requests, case.handled = [], [], []
        case.assigned = case.suggested = case.duplicate_of = None
        case.routing_reason = ""
        case.possible_duplicates = 0
        case.deadline_from = case.deadline_seconds = case.deadline = case.remaining = None
        case.provisional = case.is_overdue = case.reminded = False
        case.suspended_from = case.satisfaction = case.public_note = ""
        case.escalation = case.rework = case.returns = case.extensions = 0
        case.dispatched_at = case.rectified_at = case.closed_at = case.finished_at = None
        # services.deadlines.apply_category_limit
        case.time_limit = category.time_limit or 5
        case.time_unit = category.time_unit
        if case.priority == Priority.URGENT and case.time_unit == TimeUnit.WORKING_HOURS:
            case.time_unit = TimeUnit.CLOCK_HOURS

        target = self.merge_target(case, created_at) if rnd.random() < MERGE_SHARE.get(source, 0.0) else None
        if target is not None:
            grid = target[4]
            case.lon, case.lat = self.point_near(grid, target[2], target[3])
        else:
            case.lon, case.lat = self.point_in(grid)
        case.grid = grid
        case.dispatcher = world.offices[grid.district_id]
        case.description = rnd.choice(world.category_descriptions[category_index])
        case.address = f"{grid.district_name}{grid.street_name}{rnd.choice(ROADS)}{rnd.randint(1, 300)}号附近"
        case.number = self.number(category, created_at)
        case.reporter, case.anonymous = self.reporter(case)
        try:
            self.live(case, target)
        except _Cut:
            pass
        self.remember(case)
        return case

    def number(self, category: Category, created_at: datetime) -> str:
        prefix = f"{category.kind}{category.code}{created_at.astimezone(self.local_zone):%Y%m%d}"
        serial = self.sequences.get(prefix, 0) + 1
        self.sequences[prefix] = serial
        self.touched_prefixes.add(prefix)
        return f"{prefix}{serial:04d}"

    def point_in(self, grid: _Grid) -> tuple[float, float]:
        """A uniform random point strictly inside the grid (rejection sampling in its bounds)."""
        minx, miny, maxx, maxy = grid.bounds
        rnd = self.random
        for _attempt in range(1000):
            x, y = round(minx + rnd.random() * (maxx - minx), 7), round(miny + rnd.random() * (maxy - miny), 7)
            if shapely.contains_xy(grid.geometry, x, y):
                return x, y
        point = grid.geometry.representative_point()
        return point.x, point.y

    def point_near(self, grid: _Grid, lon: float, lat: float) -> tuple[float, float]:
        """A second report of the same problem: within about 30 m, in the same grid."""
        rnd = self.random
        for _attempt in range(20):
            x, y = round(lon + rnd.uniform(-0.0003, 0.0003), 7), round(lat + rnd.uniform(-0.0002, 0.0002), 7)
            if shapely.contains_xy(grid.geometry, x, y):
                return x, y
        return lon, lat

    def reporter(self, case: _Case):
        """(user id, unit id) who entered the report, and whether it is anonymous."""
        world, source, rnd = self.world, case.source, self.random
        grid = case.grid
        if source in (Source.INSPECTION, Source.SUPERVISION):
            inspectors = world.district_inspectors.get(grid.district_id)
            return (rnd.choice(inspectors) if inspectors else self.office(case)), False
        if source == Source.GRID:
            workers = world.grid_workers.get(grid.id)
            return (
                rnd.choice(workers)
                if workers
                else (None, world.community_units.get(grid.community_id) or case.dispatcher)
            ), False
        if source == Source.LEADER:
            return self.pick(world.office_staff.get(world.city_office, []), world.city_office), False
        if source in (Source.CITIZEN, Source.OPEN311):
            if world.citizens and rnd.random() < CITIZEN_WITH_ACCOUNT:
                return (rnd.choice(world.citizens), None), False
            return NOBODY, True
        if source == Source.VOLUNTEER:
            return ((rnd.choice(world.volunteers), None) if world.volunteers else NOBODY), False
        return self.office(case), False  # hotline and media: entered by the dispatching office

    def merge_target(self, case: _Case, now: datetime):
        """A recent case of the same subclass still active now, if any."""
        for target in reversed(self.recent[case.category]):
            target_id, number, lon, lat, grid, created_at, finished_at = target
            if now - created_at > timedelta(days=7):
                break
            if created_at < now and (finished_at is None or finished_at > now):
                return target
        return None

    def remember(self, case: _Case) -> None:
        self.recent[case.category].append(
            (case.id, case.number, case.lon, case.lat, case.grid, case.created_at, case.finished_at)
        )

    def live(self, case: _Case, merge_into) -> None:
        rnd = self.random
        now = case.created_at
        reporter = case.reporter
        self.emit(
            case,
            "report",
            Status.REPORTED,
            reporter,
            now,
            data={"duplicates": [merge_into[1]], "location_from": "given"} if merge_into else NO_DUPLICATES,
            change=False,
        )
        if merge_into:
            case.possible_duplicates = 1
        if case.source in TRUSTED_SOURCES:
            self.register(case, now, reporter, change=False)  # at intake, by the reporter
        else:
            now = self.office_delay(now)
            self.at(case, now)
            office = self.office(case)
            if merge_into is not None and (merge_into[6] is None or merge_into[6] > now):
                case.duplicate_of = merge_into[0]
                case.closed_at = case.finished_at = now
                self.emit(
                    case,
                    "merge",
                    Status.MERGED,
                    office,
                    now,
                    note=self.merge_note % merge_into[1],
                    data={"into": merge_into[1]},
                )
                return
            if rnd.random() < REJECT_SHARE.get(case.source, 0.0):
                case.closed_at = case.finished_at = now
                self.emit(case, "reject", Status.REJECTED, office, now, note=rnd.choice(REJECT_NOTES))
                return
            self.register(case, now, office, change=True)
        if case.status == Status.REGISTERED:  # no rule dispatched it: the office picks a unit
            unit = case.suggested or (case.grid.dispatch_candidates or [case.dispatcher])[0]
            now = self.office_delay(now, 3600)
            self.at(case, now)
            self.dispatch(case, unit, now, self.office(case))
        self.handle(case, now)
        self.evaluate(case)

    def register(self, case: _Case, now, actor, *, change: bool) -> None:
        """services.lifecycle.routed_on_registration: route, and dispatch at once when the rule says so."""
        unit_id, auto, reason, register_data, dispatch_data = self.world.route(case.category, case.grid)
        case.suggested = unit_id
        case.routing_reason = reason
        self.emit(case, "register", Status.REGISTERED, actor, now, data=register_data, change=change)
        if auto:
            self.assign(case, unit_id, now)
            self.emit(case, "dispatch", Status.DISPATCHED, NOBODY, now, data=dispatch_data, change=False)

    def assign(self, case: _Case, unit_id: int, now) -> None:
        """services.lifecycle._dispatch_to."""
        case.handled.append(unit_id)
        case.assigned = unit_id
        case.dispatched_at = now
        self.start_clock(case, now)

    def dispatch(self, case: _Case, unit_id: int, now, actor) -> None:
        self.assign(case, unit_id, now)
        self.emit(
            case,
            "dispatch",
            Status.DISPATCHED,
            actor,
            now,
            data={"unit": self.world.unit_code[unit_id], "automatic": False},
        )

    def handle(self, case: _Case, now) -> None:
        """From dispatch to closure: accept (or return), requests, rectification, verification."""
        world, rnd = self.world, self.random
        while True:
            speed = world.speed(case.assigned)
            limit = case.deadline_seconds
            working = case.time_unit != TimeUnit.CLOCK_HOURS
            accept_at = self.later(now, limit * rnd.lognormvariate(math.log(0.06), 0.9) * speed, working)
            if rnd.random() < RETURN_SHARE[min(case.returns, 1)]:
                if rnd.random() < 0.3:  # accepted first, then found it is not theirs
                    self.at(case, accept_at)
                    self.emit(case, "accept", Status.ACCEPTED, self.handler(case), accept_at)
                    accept_at = self.later(accept_at, limit * rnd.uniform(0.05, 0.3) * speed, working)
                self.at(case, accept_at)
                self.return_case(case, accept_at)
                now = self.office_delay(accept_at, 3600)
                self.at(case, now)
                self.dispatch(case, self.alternative(case), now, self.office(case))
                continue
            self.at(case, accept_at)
            self.emit(case, "accept", Status.ACCEPTED, self.handler(case), accept_at)
            break
        now = accept_at
        work = limit * rnd.lognormvariate(math.log(0.35), 0.45) * speed
        rectify_at = self.later(now, work, working)
        draw = rnd.random()
        if draw < EXTENSION_SHARE * (2 if speed > 1.5 else 1):
            rectify_at = self.request_extension(case, now, work, working)
        elif draw > 1 - SUSPENSION_SHARE:
            rectify_at = self.request_suspension(case, now, work, working)
        while True:
            self.at(case, rectify_at)
            case.rectified_at = rectify_at
            self.emit(case, "rectify", Status.RECTIFIED, self.handler(case), rectify_at, note=rnd.choice(RECTIFY_NOTES))
            verify_at = self.later(rectify_at, max(300, limit * rnd.lognormvariate(math.log(0.05), 0.8)), working)
            self.at(case, verify_at)
            verifier = self.verifier(case)
            if rnd.random() < REWORK_SHARE[min(case.rework, len(REWORK_SHARE) - 1)]:
                case.rework += 1
                case.rectified_at = None
                self.emit(
                    case,
                    "verify",
                    Status.ACCEPTED,
                    verifier,
                    verify_at,
                    note=rnd.choice(VERIFY_FAIL_NOTES),
                    data=FAILED,
                )
                self.start_clock(case, verify_at)
                limit = case.deadline_seconds
                rectify_at = self.later(verify_at, limit * rnd.lognormvariate(math.log(0.3), 0.5) * speed, working)
                continue
            case.closed_at = case.finished_at = verify_at
            case.is_overdue = case.deadline is not None and verify_at > case.deadline
            self.emit(
                case, "verify", Status.CLOSED, verifier, verify_at, note=rnd.choice(VERIFY_PASS_NOTES), data=PASSED
            )
            return

    def return_case(self, case: _Case, now) -> None:
        """services.return_case."""
        unit_code = self.world.unit_code[case.assigned]
        actor = self.handler(case)
        case.returns += 1
        case.assigned = None
        case.deadline = case.deadline_from = case.deadline_seconds = None
        case.is_overdue = False
        self.emit(
            case,
            "return",
            Status.REGISTERED,
            actor,
            now,
            note=self.random.choice(RETURN_NOTES),
            data={"unit": unit_code},
            public=False,
        )

    def alternative(self, case: _Case) -> int:
        """Another unit for a returned case: the first candidate that has not had it yet."""
        had = case.handled
        candidates = ([case.suggested] if case.suggested else []) + case.grid.dispatch_candidates
        return next((u for u in candidates if u not in had), candidates[0] if candidates else case.dispatcher)

    def request_extension(self, case: _Case, accepted_at, work, working) -> datetime:
        rnd, calendar = self.random, self.calendar
        asked_at = self.later(accepted_at, work * rnd.uniform(0.2, 0.7), working)
        self.at(case, asked_at)
        days = rnd.randint(1, 5)
        reason = rnd.choice(EXTENSION_REASONS)
        handler = self.handler(case)
        self.emit(
            case,
            "request_extension",
            case.status,
            handler,
            asked_at,
            note=reason,
            data={"kind": RequestKind.EXTENSION.value, "working_days": days},
            public=False,
        )
        request = [
            case.id,
            RequestKind.EXTENSION.value,
            RequestStatus.PENDING.value,
            days,
            reason,
            handler[0],
            asked_at,
            None,
            None,
            "",
        ]
        case.requests.append(request)
        decided_at = self.office_delay(asked_at, 3600)
        self.at(case, decided_at)
        office = self.office(case)
        approved = rnd.random() < EXTENSION_APPROVED
        request[2] = RequestStatus.APPROVED.value if approved else RequestStatus.DENIED.value
        request[7], request[8] = office[0], decided_at
        data = {"kind": RequestKind.EXTENSION.value, "approved": approved}
        if approved:  # services.decide_request
            case.extensions += 1
            case.deadline_seconds = (case.deadline_seconds or 0) + days * calendar.day_seconds
            case.deadline, case.provisional = calendar.deadline(
                case.deadline_from, case.deadline_seconds, case.time_unit, in_seconds=True
            )
            case.is_overdue = decided_at > case.deadline
            data["working_days"] = days
            data["deadline"] = case.deadline.isoformat()
            work += days * calendar.day_seconds * rnd.uniform(0.3, 0.9)
        self.emit(case, "decide_request", case.status, office, decided_at, data=data, public=False)
        return max(self.later(accepted_at, work, working), self.later(decided_at, 600, working))

    def request_suspension(self, case: _Case, accepted_at, work, working) -> datetime:
        rnd, calendar = self.random, self.calendar
        asked_at = self.later(accepted_at, work * rnd.uniform(0.1, 0.5), working)
        self.at(case, asked_at)
        reason = rnd.choice(SUSPENSION_REASONS)
        handler = self.handler(case)
        self.emit(
            case,
            "request_suspension",
            case.status,
            handler,
            asked_at,
            note=reason,
            data={"kind": RequestKind.SUSPENSION.value, "working_days": None},
            public=False,
        )
        request = [
            case.id,
            RequestKind.SUSPENSION.value,
            RequestStatus.PENDING.value,
            None,
            reason,
            handler[0],
            asked_at,
            None,
            None,
            "",
        ]
        case.requests.append(request)
        decided_at = self.office_delay(asked_at, 3600)
        self.at(case, decided_at)
        office = self.office(case)
        approved = rnd.random() < SUSPENSION_APPROVED
        request[2] = RequestStatus.APPROVED.value if approved else RequestStatus.DENIED.value
        request[7], request[8] = office[0], decided_at
        if not approved:
            self.emit(
                case,
                "decide_request",
                case.status,
                office,
                decided_at,
                data={"kind": RequestKind.SUSPENSION.value, "approved": False},
                public=False,
            )
            return max(self.later(accepted_at, work, working), self.later(decided_at, 600, working))
        case.remaining = max(calendar.working_seconds_between(decided_at, case.deadline), 0) if case.deadline else None
        case.suspended_from = case.status
        self.emit(
            case,
            "decide_request",
            Status.SUSPENDED,
            office,
            decided_at,
            data={"kind": RequestKind.SUSPENSION.value, "approved": True},
            public=False,
        )
        resumed_at = self.later(decided_at, rnd.uniform(2, 15) * calendar.day_seconds, True)
        self.at(case, resumed_at)
        back_to = case.suspended_from or Status.ACCEPTED
        case.suspended_from = ""
        self.start_clock(case, resumed_at, seconds=case.remaining or 0)
        case.remaining = None
        self.emit(case, "resume", back_to, self.office(case), resumed_at)
        left = max(work * rnd.uniform(0.3, 0.8), 600)
        return self.later(resumed_at, left, working)

    def verifier(self, case: _Case):
        world = self.world
        if (
            case.source in (Source.INSPECTION, Source.SUPERVISION)
            and case.reporter[0] is not None
            and case.reporter in world.district_inspectors.get(case.grid.district_id, ())
        ):
            return case.reporter
        workers = world.grid_workers.get(case.grid.id)
        if workers:
            return self.random.choice(workers)
        return self.office(case)

    def evaluate(self, case: _Case) -> None:
        """The reporter (or, for the hotline, the office calling back) says whether they are satisfied."""
        rnd = self.random
        share = EVALUATION_SHARE.get(case.source, 0.0)
        if case.status != Status.CLOSED or not share or rnd.random() >= share:
            return
        if case.source == Source.HOTLINE:
            actor = self.office(case)
            at = self.office_delay(case.closed_at, 7 * 3600)
        elif case.reporter[0] is not None:
            actor = case.reporter
            at = case.closed_at + timedelta(seconds=int(rnd.lognormvariate(math.log(86400), 1.0)) + 60)
        else:
            return
        self.at(case, at)
        trouble = case.rework or case.is_overdue or case.returns
        satisfied = rnd.random() < (SATISFIED_SHARE_AFTER_TROUBLE if trouble else SATISFIED_SHARE)
        case.satisfaction = Satisfaction.SATISFIED.value if satisfied else Satisfaction.UNSATISFIED.value
        self.emit(case, "evaluate", Status.EVALUATED, actor, at, data=SATISFACTION_DATA[case.satisfaction])

    def batches(self, first: date, last: date, total: int, size: int):
        """Generate ``total`` cases over the days from ``first`` to ``last``, ``size`` at a time:
        (case rows, event rows, request rows, {number prefix: last serial})."""
        world, calendar = self.world, self.calendar
        day_weights = _day_weights(calendar, first, last, self.end)
        volume = np.array([weight for _midnight, weight, _hours in day_weights])
        vectors = np.random.default_rng(self.seed)
        per_day = vectors.multinomial(total, volume / volume.sum()) if volume.sum() > 0 else [0] * len(volume)
        sources = list(SOURCE_WEIGHTS)
        source_p = np.array([SOURCE_WEIGHTS[s] for s in sources])
        source_p /= source_p.sum()
        rows, events, requests = [], [], []
        for (midnight, _weight, hours_past), n in zip(day_weights, list(per_day), strict=True):
            if not n:
                continue
            hour_p = HOUR_WEIGHTS * hours_past
            hours = vectors.choice(24, size=n, p=hour_p / hour_p.sum())
            offsets = np.sort((hours * 3600 + np.floor(vectors.random(n) * 3600 * hours_past[hours])).astype(np.int64))
            categories = vectors.choice(len(world.categories), size=n, p=world.category_p).tolist()
            case_sources = vectors.choice(len(sources), size=n, p=source_p).tolist()
            grids = vectors.choice(len(world.grids), size=n, p=world.grid_p).tolist()
            for offset, category, source, grid in zip(offsets.tolist(), categories, case_sources, grids, strict=True):
                case = self.new_case(
                    midnight + timedelta(seconds=offset), category, sources[source].value, world.grids[grid]
                )
                rows.append(self.row(case))
                events.extend(case.events)
                requests.extend(case.requests)
                self.statuses[case.status] += 1
                self.overdue += case.is_overdue
                if len(rows) >= size:
                    yield rows, events, requests, self.take_sequences()
                    rows, events, requests = [], [], []
        if rows:
            yield rows, events, requests, self.take_sequences()

    def take_sequences(self) -> dict:
        touched = {prefix: self.sequences[prefix] for prefix in self.touched_prefixes}
        self.touched_prefixes.clear()
        return touched

    # The case row, agreeing with the last event.

    def row(self, case: _Case) -> tuple:
        category = self.world.categories[case.category]
        if case.status in OPEN and case.deadline is not None and not case.is_overdue:
            # What supervise() has done by now: remind in the last quarter (at most a working day).
            left = self.calendar.working_seconds_between(self.end, case.deadline)
            case.reminded = left <= min((case.deadline_seconds or 0) / 4, self.world.day_seconds)
        grid = case.grid
        return (
            case.id,
            case.number,
            category.kind,
            category.pk,
            case.source,
            case.status,
            case.priority,
            case.description,
            case.address,
            case.lon,
            case.lat,
            grid.id,
            grid.district_id,
            grid.street_id,
            grid.community_id,
            grid.id,
            case.reporter[0],
            case.anonymous,
            case.assigned,
            case.dispatcher,
            case.suggested,
            case.routing_reason,
            case.duplicate_of,
            case.possible_duplicates,
            case.time_limit,
            case.time_unit,
            case.deadline_from,
            case.deadline_seconds,
            case.deadline,
            case.provisional,
            case.remaining,
            case.suspended_from,
            case.is_overdue,
            case.escalation,
            case.reminded,
            case.rework,
            case.returns,
            case.extensions,
            case.satisfaction,
            case.created_at,
            case.updated_at,
            case.dispatched_at,
            case.rectified_at,
            case.closed_at,
            case.public_note,
            # services.filing.text_for_search
            " ".join([case.number, category.name, case.address, case.description]),
            case.version,
        )


# ---------------------------------------------------------------------------
# The stream of arrivals and the driver.


def _day_weights(calendar, first: date, last: date, end: datetime):
    """Per day: (local midnight, relative volume, share of each hour already past at ``end``)."""
    days = []
    full = np.ones(24)
    d = first
    while d <= last:
        if calendar.is_workday(d):
            weight = 1.0
        else:
            weight = WEEKEND_FACTOR.get(d.weekday(), HOLIDAY_FACTOR)
        midnight = datetime.combine(d, time.min, tzinfo=calendar.zone)
        seconds_past = (end - midnight).total_seconds()
        hours_past = np.clip(seconds_past / 3600 - np.arange(24), 0.0, 1.0) if seconds_past < 86400 else full
        weight *= float((HOUR_WEIGHTS * hours_past).sum() / HOUR_WEIGHTS.sum())
        days.append((midnight, weight, hours_past))
        d += timedelta(days=1)
    return days


def parse_day(text: str) -> date:
    """YYYY-MM-DD only (date.fromisoformat alone would also take 20260214)."""
    if not isinstance(text, str) or len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise SimulationError(_("“%s” is not a date (YYYY-MM-DD).") % text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SimulationError(_("“%s” is not a date (YYYY-MM-DD).") % text) from None


def check_arguments(days, cases_per_day, until=None, batch=DEFAULT_BATCH) -> date:
    """Raise SimulationError for arguments that cannot work; return the last day."""
    for name, value in (("days", days), ("cases per day", cases_per_day), ("batch", batch)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SimulationError(
                _("The number of %(name)s must be a whole number of at least 1, not %(value)r.")
                % {"name": name, "value": value}
            )
    today = timezone.localdate()
    if until is None:
        return today
    if isinstance(until, str):
        until = parse_day(until)
    if isinstance(until, datetime) or not isinstance(until, date):
        raise SimulationError(_("“%s” is not a date (YYYY-MM-DD).") % (until,))
    if until > today:
        raise SimulationError(_("The simulated period cannot end after today (%s).") % today)
    return until


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def simulate(
    days: int, cases_per_day: int, seed: int | None = None, until=None, progress=None, *, batch: int = DEFAULT_BATCH
) -> dict:
    """Write days × cases_per_day cases arriving over the ``days`` days up to ``until``
    (default today, up to now), each with its events. Returns the figures of the run.

    ``progress(n)`` is called after each batch with the number of cases written."""
    last = check_arguments(days, cases_per_day, until, batch)
    started = clock.perf_counter()
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    world = _World(seed)
    zone = world.calendar.zone
    end = (
        timezone.now()
        if last == timezone.localdate()
        else datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    )
    first = last - timedelta(days=days - 1)
    first_id = (Case.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    simulator = _Simulator(world, seed, end, first_id)
    writers = (
        _TableWriter(Case, CASE_COLUMNS),
        _TableWriter(CaseEvent, EVENT_COLUMNS),
        _TableWriter(CaseRequest, REQUEST_COLUMNS),
    )
    counts = Counter()

    def write(prepared_cases, prepared_events, prepared_requests, sequences):
        with transaction.atomic():
            for writer, prepared in zip(writers, (prepared_cases, prepared_events, prepared_requests), strict=True):
                writer.write(prepared)
            Sequence.objects.bulk_create(
                [Sequence(prefix=p, last=n) for p, n in sorted(sequences.items())],
                update_conflicts=True,
                unique_fields=["prefix"],
                update_fields=["last"],
            )
            if connection.vendor == "postgresql":  # ids were given explicitly: move the sequence past them
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), [Case]):
                        cursor.execute(sql)
        counts["cases"] += len(prepared_cases)
        counts["events"] += len(prepared_events)
        counts["requests"] += len(prepared_requests)
        if progress is not None:
            progress(len(prepared_cases))

    def prepared_batches():
        for rows, events, requests, sequences in simulator.batches(first, last, days * cases_per_day, batch):
            yield (
                "batch",
                (writers[0].prepare(rows), writers[1].prepare(events), writers[2].prepare(requests), sequences),
            )
        yield "figures", (dict(simulator.statuses), simulator.overdue, peak_rss_mib())

    # The next batch is generated while this one is written. Received batches are
    # freed by reference counting; the cyclic GC would only walk them repeatedly.
    statuses, overdue, generator_rss = Counter(), 0, 0.0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with _sqlite_page_cache(SQLITE_CACHE_KIB):
            for kind, item in _in_background(prepared_batches()):
                if kind == "batch":
                    write(*item)
                else:
                    statuses, overdue, generator_rss = item
    finally:
        if gc_was_enabled:
            gc.enable()
    if connection.vendor == "postgresql":
        # Fresh statistics: without them the planner takes a million cases for a few hundred
        # and picks nested loops that run for seconds (autovacuum may be slow, or off).
        with connection.cursor() as cursor:
            for model in (Case, CaseEvent, CaseRequest, Sequence):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    seconds = clock.perf_counter() - started
    cases = counts["cases"]
    return {
        "cases": cases,
        "events": counts["events"],
        "requests": counts["requests"],
        "by_status": dict(sorted(statuses.items(), key=lambda item: -item[1])),
        "overdue": overdue,
        "overdue_share": overdue / cases if cases else 0.0,
        "first_day": first,
        "last_day": last,
        "seed": seed,
        "seconds": seconds,
        "cases_per_second": cases / seconds if seconds else 0.0,
        "peak_rss_mib": peak_rss_mib(),
        "generator_peak_rss_mib": generator_rss,
    }


@contextmanager
def _sqlite_page_cache(kib: int):
    """A larger SQLite page cache for this connection while it lasts: the indexes of a
    million cases do not fit the default 2 MiB, and every miss is a read from the OS."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        before = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _in_background(items):
    """Iterate ``items`` in a forked process, one item ahead of the caller.

    SQLite holds the GIL while it binds each row, so a generating thread would
    starve the writer; a process does not. The generator touches no database (the
    world was read before the fork). Without fork, the items are made inline."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from items
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def work():
        receiver.close()
        # Millions of short-lived tuples and no reference cycles: the cyclic GC would
        # only walk them again and again (a fifth of the time). This process is short-lived.
        gc.disable()
        try:
            for item in items:
                sender.send((None, item))
            sender.send((None, _DONE))
        except BaseException:
            sender.send((traceback.format_exc(), None))
        finally:
            sender.close()

    process = context.Process(target=work, name="simulate-generator", daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            try:
                error, item = receiver.recv()
            except EOFError:
                raise RuntimeError("the case generator stopped without a word") from None
            if error is not None:
                raise RuntimeError(f"the case generator failed:\n{error}")
            if item == _DONE:
                return
            yield item
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


_DONE = "done"
