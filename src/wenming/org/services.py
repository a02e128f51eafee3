"""Business rules of the organisation: creating areas, units and people, imports, acting unit.

Imports (from the CLI, the admin or the demo) all go through the functions here:
every row is checked first, all problems are reported together, and only a
clean batch is saved, in one transaction.
"""

import re
import secrets
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.core.errors import Invalid
from wenming.geo.crs import geometry_gcj02_to_wgs84
from wenming.geo.geometry import GeometryError, polygon_from_geojson, share_outside, to_geojson
from wenming.geo.measure import area_m2
from wenming.org import rules
from wenming.org import scope as scope_module
from wenming.org.models import (
    CODE_LENGTH,
    STAFF_ROLES,
    Area,
    AreaLevel,
    Membership,
    Profile,
    Role,
    Unit,
    UnitKind,
    parent_level,
)

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")


@dataclass
class Problem:
    where: str  # "row 5", "feature 3"
    what: str  # the code or name the row is about, when known
    why: str

    def __str__(self):
        label = f"{self.where} ({self.what})" if self.what else self.where
        return f"{label}: {self.why}"


class ImportRejected(Invalid):
    """Raised with every problem found; nothing has been saved."""

    code = "import_rejected"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems), problems=[str(p) for p in problems])


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    notes: list[str] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn codes into numbers
    return str(value).strip()


def _check_code(code: str, level: str) -> str | None:
    expected = CODE_LENGTH[level]
    if not code.isdigit() or len(code) != expected:
        return _("the code must be %(n)d digits for level %(level)s") % {
            "n": expected,
            "level": AreaLevel(level).label,
        }
    return None


def _inferred_parent_code(code: str, level: str) -> str:
    if level == AreaLevel.DISTRICT:
        return code[:4] + "00"  # GB/T 2260: the prefecture-level city of a district
    return code[: CODE_LENGTH[parent_level(level)]]


def mark_paths(area: Area) -> None:
    area.path = area.compute_path()


def _geometry_facts(geom) -> dict:
    point = geom.representative_point()
    return {
        "boundary": to_geojson(geom),
        "label_lon": round(point.x, 7),
        "label_lat": round(point.y, 7),
        "area_km2": round(area_m2(geom) / 1e6, 6),
    }


def import_areas(
    features: list[dict],
    level: str,
    *,
    code_property: str = "code",
    name_property: str = "name",
    parent_property: str = "parent",
    gcj02: bool = False,
    update: bool = False,
    generated: bool = False,
    tolerance: float | None = None,
    progress=None,
) -> ImportSummary:
    """Check and save one level of areas from GeoJSON features, all or nothing."""
    level = AreaLevel(level)
    tolerance = settings.WENMING_AREA_TOLERANCE if tolerance is None else tolerance
    problems: list[Problem] = []
    wanted_parent = parent_level(level)
    parsed = []  # (index, code, name, parent_code, geometry)
    seen: dict[str, int] = {}
    for index, feature in enumerate(features, start=1):
        where = _("feature %d") % index
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(where, "", _("not a GeoJSON Feature")))
            continue
        props = feature.get("properties") or {}
        code = _text(props.get(code_property))
        name = _text(props.get(name_property))
        row_problems = []
        if not code:
            row_problems.append(_("property “%s” (the code) is missing") % code_property)
        elif message := _check_code(code, level):
            row_problems.append(message)
        elif code in seen:
            row_problems.append(_("duplicate code: also in feature %d") % seen[code])
        else:
            seen[code] = index
        if not name:
            row_problems.append(_("property “%s” (the name) is missing") % name_property)
        parent_code = ""
        if wanted_parent:
            parent_code = _text(props.get(parent_property)) or (
                _inferred_parent_code(code, level) if code.isdigit() else ""
            )
            if level == AreaLevel.GRID and code and not code.startswith(parent_code):
                row_problems.append(_("a grid code must start with its community's code %s") % parent_code)
        geom = None
        try:
            geom = polygon_from_geojson(feature.get("geometry"))
            if gcj02:
                geom = geometry_gcj02_to_wgs84(geom)
        except GeometryError as exc:
            row_problems.append(str(exc))
        problems.extend(Problem(where, code or name, why) for why in row_problems)
        if not row_problems:
            parsed.append((index, code, name, parent_code, geom))

    existing = {a.code: a for a in Area.objects.filter(code__in=[p[1] for p in parsed])}
    parents = {a.code: a for a in Area.objects.filter(code__in={p[3] for p in parsed if p[3]})}
    parent_shapes: dict[str, object] = {}
    for index, code, _name, parent_code, geom in parsed:
        where = _("feature %d") % index
        if code in existing and not update:
            problems.append(Problem(where, code, _("an area with this code already exists")))
        elif code in existing and existing[code].level != level:
            problems.append(Problem(where, code, _("this code belongs to an area of another level")))
        if not wanted_parent:
            continue
        parent = parents.get(parent_code)
        if parent is None or parent.level != wanted_parent:
            problems.append(
                Problem(
                    where,
                    code,
                    _("parent %(parent)s not found among the %(level)s areas")
                    % {"parent": parent_code or "?", "level": AreaLevel(wanted_parent).label},
                )
            )
            continue
        if parent.boundary:
            if parent_code not in parent_shapes:
                parent_shapes[parent_code] = shapely.buffer(polygon_from_geojson(parent.boundary), 0)
            outside = share_outside(geom, parent_shapes[parent_code])
            if outside > tolerance:
                problems.append(
                    Problem(
                        where,
                        code,
                        _("%(share).1f%% of it lies outside its parent %(parent)s")
                        % {"share": outside * 100, "parent": parent.name},
                    )
                )
    problems.extend(_overlaps(parsed, tolerance))
    if problems:
        raise ImportRejected(problems)

    summary = ImportSummary()
    with transaction.atomic():
        to_create = []
        for _index, code, name, parent_code, geom in parsed:
            facts = _geometry_facts(geom)
            parent = parents.get(parent_code)
            area = existing.get(code)
            if area is not None:
                area.name = name
                area.parent = parent
                area.is_generated = generated
                for key, value in facts.items():
                    setattr(area, key, value)
                area.save()
                summary.updated += 1
            else:
                area = Area(code=code, name=name, level=level, parent=parent, is_generated=generated, **facts)
                mark_paths(area)
                to_create.append(area)
            if progress:
                progress(1)
        Area.objects.bulk_create(to_create, batch_size=500)
        summary.created = len(to_create)
    return summary


def _overlaps(parsed, tolerance) -> list[Problem]:
    """Areas of one level must not overlap one another (beyond the tolerance)."""
    if len(parsed) < 2:
        return []
    geoms = [p[4] for p in parsed]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    problems = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        shared = geoms[i].intersection(geoms[j]).area
        if shared > tolerance * min(geoms[i].area, geoms[j].area):
            a, b = parsed[i], parsed[j]
            problems.append(
                Problem(
                    _("feature %d") % a[0],
                    a[1],
                    _("it overlaps feature %(other)d (%(code)s)") % {"other": b[0], "code": b[1]},
                )
            )
    return problems


def _choice_from(choices, value: str) -> str | None:
    """A choice given by its code or by its label in any of the UI's languages."""
    for choice in choices:
        if value == choice.value:
            return choice.value
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for choice in choices:
                if value == str(choice.label):
                    return choice.value
    return None


def import_units(rows: list[tuple[int, dict]], *, progress=None) -> ImportSummary:
    """Units from table rows (row number, dict) with columns
    code, name, kind, area_code, parent_code, short_name, phone, member_of."""
    problems: list[Problem] = []
    parsed = {}
    for number, row in rows:
        where = _("row %d") % number
        code = _text(row.get("code"))
        name = _text(row.get("name"))
        kind = _choice_from(UnitKind, _text(row.get("kind")))
        area_code = _text(row.get("area_code"))
        row_problems = []
        if not code:
            row_problems.append(_("the code is missing"))
        elif code in parsed:
            row_problems.append(_("duplicate code: also in row %d") % parsed[code]["number"])
        if not name:
            row_problems.append(_("the name is missing"))
        if kind is None:
            row_problems.append(_("unknown kind “%s”") % _text(row.get("kind")))
        if not area_code:
            row_problems.append(_("the area code is missing"))
        problems.extend(Problem(where, code or name, why) for why in row_problems)
        if not row_problems:
            parsed[code] = {
                "number": number,
                "name": name,
                "kind": kind,
                "area_code": area_code,
                "parent_code": _text(row.get("parent_code")),
                "short_name": _text(row.get("short_name")),
                "phone": _text(row.get("phone")),
                "member_of": [
                    c.strip() for c in _text(row.get("member_of")).replace("；", ";").split(";") if c.strip()
                ],
            }
    existing_units = {u.code: u for u in Unit.objects.all()}
    areas = {a.code: a for a in Area.objects.filter(code__in={r["area_code"] for r in parsed.values()})}
    for code, row in parsed.items():
        where = _("row %d") % row["number"]
        if code in existing_units:
            problems.append(Problem(where, code, _("a unit with this code already exists")))
        if row["area_code"] not in areas:
            problems.append(Problem(where, code, _("area %s does not exist") % row["area_code"]))
        parent = row["parent_code"]
        if parent and parent not in parsed and parent not in existing_units:
            problems.append(Problem(where, code, _("parent unit %s does not exist") % parent))
        for group in row["member_of"]:
            group_kind = parsed[group]["kind"] if group in parsed else getattr(existing_units.get(group), "kind", None)
            if group_kind != UnitKind.SPECIAL_GROUP:
                problems.append(Problem(where, code, _("%s is not a special working group") % group))
    # A unit may not be its own ancestor.
    for code, row in parsed.items():
        chain, cursor = {code}, row["parent_code"]
        while cursor in parsed:
            if cursor in chain:
                problems.append(Problem(_("row %d") % row["number"], code, _("the parent units form a cycle")))
                break
            chain.add(cursor)
            cursor = parsed[cursor]["parent_code"]
    if problems:
        raise ImportRejected(problems)

    with transaction.atomic():
        created: dict[str, Unit] = {}

        def save(code):
            if code in created:
                return created[code]
            row = parsed[code]
            parent = None
            if row["parent_code"]:
                parent = (
                    save(row["parent_code"]) if row["parent_code"] in parsed else existing_units[row["parent_code"]]
                )
            unit = Unit(
                code=code,
                name=row["name"],
                short_name=row["short_name"],
                kind=row["kind"],
                area=areas[row["area_code"]],
                parent=parent,
                phone=row["phone"],
            )
            unit.save()
            created[code] = unit
            if progress:
                progress(1)
            return unit

        for code in parsed:
            save(code)
        every = {**existing_units, **created}
        for code, row in parsed.items():
            for group in row["member_of"]:
                every[group].member_units.add(created[code])
    return ImportSummary(created=len(created))


def import_users(rows: list[tuple[int, dict]], *, progress=None) -> tuple[ImportSummary, list[tuple[str, str]]]:
    """People from table rows with columns username, real_name, phone, email,
    unit_code, role, position, area_code, password (generated when empty).

    Returns the summary and the (username, password) pairs that were generated."""
    User = get_user_model()
    problems: list[Problem] = []
    parsed = []
    usernames: dict[str, int] = {}
    for number, row in rows:
        where = _("row %d") % number
        username = _text(row.get("username"))
        role = _choice_from(Role, _text(row.get("role")))
        phone = _text(row.get("phone"))
        email = _text(row.get("email"))
        row_problems = []
        if not USERNAME_RE.match(username):
            row_problems.append(_("the user name is missing or has characters other than letters, digits and @.+-_"))
        elif username in usernames:
            row_problems.append(_("duplicate user name: also in row %d") % usernames[username])
        else:
            usernames[username] = number
        if not _text(row.get("real_name")):
            row_problems.append(_("the real name is missing"))
        if phone and not PHONE_RE.match(phone):
            row_problems.append(_("“%s” is not a mainland mobile number") % phone)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row_problems.append(_("“%s” is not an e-mail address") % email)
        if role is None:
            row_problems.append(_("unknown role “%s”") % _text(row.get("role")))
        password = _text(row.get("password"))
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                row_problems.extend(exc.messages)
        problems.extend(Problem(where, username, why) for why in row_problems)
        if not row_problems:
            parsed.append(
                {
                    "number": number,
                    "username": username,
                    "real_name": _text(row.get("real_name")),
                    "phone": phone,
                    "email": email,
                    "unit_code": _text(row.get("unit_code")),
                    "role": role,
                    "position": _text(row.get("position")),
                    "area_code": _text(row.get("area_code")),
                    "password": password,
                }
            )
    taken = set(User.objects.filter(username__in=[p["username"] for p in parsed]).values_list("username", flat=True))
    units = {u.code: u for u in Unit.objects.filter(code__in={p["unit_code"] for p in parsed}).select_related("area")}
    areas = {a.code: a for a in Area.objects.filter(code__in={p["area_code"] for p in parsed if p["area_code"]})}
    for row in parsed:
        where = _("row %d") % row["number"]
        if row["username"] in taken:
            problems.append(Problem(where, row["username"], _("this user name is already taken")))
        unit = units.get(row["unit_code"])
        if row["role"] in STAFF_ROLES and unit is None:
            problems.append(
                Problem(
                    where, row["username"], _("unit “%s” does not exist; this role needs a unit") % row["unit_code"]
                )
            )
        if row["role"] == Role.GRID_WORKER:
            grid = areas.get(row["area_code"])
            if grid is None or grid.level != AreaLevel.GRID:
                problems.append(Problem(where, row["username"], _("a grid worker needs the code of an existing grid")))
            elif unit is not None and not grid.path.startswith(unit.area.path):
                problems.append(Problem(where, row["username"], _("the grid is outside the unit's area")))
        elif row["area_code"] and row["area_code"] not in areas:
            problems.append(Problem(where, row["username"], _("area %s does not exist") % row["area_code"]))
    if problems:
        raise ImportRejected(problems)

    generated = []
    with transaction.atomic():
        for row in parsed:
            password = row["password"]
            if not password:
                password = secrets.token_urlsafe(9)
                generated.append((row["username"], password))
            create_person(
                username=row["username"],
                real_name=row["real_name"],
                phone=row["phone"],
                email=row["email"],
                password=password,
                unit=units.get(row["unit_code"]),
                role=row["role"],
                position=row["position"],
                area=areas.get(row["area_code"]),
            )
            if progress:
                progress(1)
    return ImportSummary(created=len(parsed)), generated


def create_person(*, username, real_name, password, role, unit=None, phone="", email="", position="", area=None):
    """Create a user with a profile and one membership (acting for it)."""
    User = get_user_model()
    user = User.objects.create_user(username=username, email=email, password=password)
    membership = add_membership(user, unit=unit, role=role, position=position, area=area)
    Profile.objects.create(user=user, real_name=real_name, phone=phone, acting=membership)
    if role == Role.CAMPAIGN_ADMIN and unit is not None and unit.area.parent_id is None:
        # The city's campaign office maintains reference data in the admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(reference_editors())
    return user


def reference_editors():
    """The permission group of those who maintain reference data in the admin."""
    from django.contrib.auth.models import Group

    group, created = Group.objects.get_or_create(name=REFERENCE_EDITORS)
    if created:
        grant_reference_permissions(group)
    return group


def grant_reference_permissions(group) -> None:
    from django.contrib.auth.models import Permission

    wanted = Q(pk__in=[])
    for app_label, models in reference_models().items():
        wanted |= Q(content_type__app_label=app_label, content_type__model__in=models)
    group.permissions.set(Permission.objects.filter(wanted))


REFERENCE_EDITORS = "创城办·基础数据维护"


def reference_models() -> dict[str, list[str]]:
    """The reference data the campaign office maintains in the admin, as each app declares it
    (``reference_models`` on its AppConfig). Cases are not among it: they change only through their actions."""
    from django.apps import apps

    return {c.label: list(c.reference_models) for c in apps.get_app_configs() if getattr(c, "reference_models", None)}


def add_membership(user, *, unit, role, position="", area=None) -> Membership:
    if role in STAFF_ROLES and unit is None:
        raise ValidationError(_("This role needs a unit."))
    if role == Role.GRID_WORKER and (area is None or area.level != AreaLevel.GRID):
        raise ValidationError(_("A grid worker needs a grid."))
    return Membership.objects.create(user=user, unit=unit, role=role, position=position, area=area)


def switch_acting(user, membership_id: int) -> Membership:
    """Make ``user`` act for another of their own memberships."""
    membership = Membership.objects.filter(pk=membership_id, user=user, is_active=True).first()
    if membership is None:
        raise ValidationError(_("You do not hold this position."))
    Profile.objects.filter(user=user).update(acting=membership)
    scope_module.forget(user)
    return membership


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def shown_phone(viewer, person) -> str:
    """The person's phone as ``viewer`` may see it: in full or masked."""
    profile = getattr(person, "profile", None)
    phone = profile.phone if profile else ""
    return phone if rules.may_see_phone.test(viewer, person) else mask_phone(phone)


def campaign_office_for(district: Area | None) -> Unit | None:
    """The district's campaign office, or the city's when the district has none."""
    offices = Unit.objects.filter(kind=UnitKind.CAMPAIGN_OFFICE, is_active=True).select_related("area")
    if district is not None:
        office = offices.filter(area=district).order_by("path").first()
        if office:
            return office
    return offices.filter(area__parent__isnull=True).order_by("path").first()
