"""Importing units and people from CSV and Excel: all or nothing, every bad row named."""

import csv

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from wenming.org.models import Membership, Role, Unit

pytestmark = pytest.mark.usefixtures("english")

User = get_user_model()

UNIT_COLUMNS = ["code", "name", "kind", "area_code", "parent_code", "short_name", "member_of"]
USER_COLUMNS = ["username", "real_name", "phone", "email", "unit_code", "role", "position", "area_code", "password"]


def write_csv(tmp_path, columns, rows, name="table.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return str(path)


def write_xlsx(tmp_path, columns, rows, name="table.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return str(path)


def rejected(command, path):
    with pytest.raises(CommandError) as error:
        call_command(command, path)
    assert "Nothing was imported" in str(error.value)
    return str(error.value)


def test_units_from_csv_with_parents_in_any_order_and_group_members(city, tmp_path):
    path = write_csv(
        tmp_path,
        UNIT_COLUMNS,
        [
            ["EGOV-CG-1", "东区城管执法中队", "department", "990102", "EGOV-CG", "", "SG"],
            ["EGOV-CG", "东区城管局", "职能部门", "990102", "EGOV", "东区城管", ""],
        ],
    )
    call_command("import_units", path)
    squad = Unit.objects.get(code="EGOV-CG-1")
    assert squad.parent.code == "EGOV-CG"
    assert squad.path == "EGOV/EGOV-CG/EGOV-CG-1/"
    assert Unit.objects.get(code="EGOV-CG").kind == "department"  # the Chinese label is understood
    assert squad in Unit.objects.get(code="SG").member_units.all()


def test_units_from_excel(city, tmp_path):
    path = write_xlsx(tmp_path, UNIT_COLUMNS, [["E1C", "东一社区居委会", "community", 990102001, "E1", "", ""]])
    call_command("import_units", path)
    # a code typed as a number in Excel is still read as the code
    assert Unit.objects.get(code="E1C").area.code == "990102001"


def test_bad_unit_rows_reject_the_whole_file(city, tmp_path):
    path = write_csv(
        tmp_path,
        UNIT_COLUMNS,
        [
            ["OK1", "好单位", "department", "990100", "", "", ""],
            ["BAD1", "", "department", "990100", "", "", ""],
            ["BAD2", "坏单位", "bureau", "990100", "", "", ""],
            ["BAD3", "坏单位三", "department", "123456", "", "", ""],
            ["BAD4", "坏单位四", "department", "990100", "NOPE", "", ""],
            ["D1", "重复", "department", "990100", "", "", ""],
            ["BAD5", "坏单位五", "department", "990100", "", "", "D2"],
            ["OK1", "又一个", "department", "990100", "", "", ""],
        ],
    )
    before = Unit.objects.count()
    message = rejected("import_units", path)
    for expected in [
        "row 3 (BAD1): the name is missing",
        "row 4 (BAD2): unknown kind “bureau”",
        "row 5 (BAD3): area 123456 does not exist",
        "row 6 (BAD4): parent unit NOPE does not exist",
        "row 7 (D1): a unit with this code already exists",
        "row 8 (BAD5): D2 is not a special working group",
        "row 9 (OK1): duplicate code: also in row 2",
    ]:
        assert expected in message
    assert Unit.objects.count() == before


def test_a_cycle_of_parent_units_is_rejected(city, tmp_path):
    path = write_csv(
        tmp_path,
        UNIT_COLUMNS,
        [
            ["A", "甲", "department", "990100", "B", "", ""],
            ["B", "乙", "department", "990100", "A", "", ""],
        ],
    )
    assert "cycle" in rejected("import_units", path)
    assert not Unit.objects.filter(code__in=["A", "B"]).exists()


def test_people_from_csv_get_a_profile_and_an_acting_membership(city, tmp_path):
    path = write_csv(
        tmp_path,
        USER_COLUMNS,
        [
            ["wang", "王芳", "13912345678", "wang@example.org", "E1", "单位经办人", "科员", "", "a-long-secret-77"],
            ["li", "李强", "", "", "W1C", "grid_worker", "网格员", "990101001001002", ""],
        ],
    )
    call_command("import_users", path)
    wang = User.objects.get(username="wang")
    assert wang.profile.real_name == "王芳" and wang.profile.phone == "13912345678"
    assert wang.check_password("a-long-secret-77")
    assert wang.profile.acting.unit.code == "E1" and wang.profile.acting.role == Role.HANDLER
    li = Membership.objects.get(user__username="li")
    assert li.area.code == "990101001001002"


def test_generated_passwords_are_printed_once(city, tmp_path, capsys):
    path = write_csv(tmp_path, USER_COLUMNS, [["zhao", "赵六", "", "", "E1", "handler", "", "", ""]])
    call_command("import_users", path)
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.strip().startswith("zhao"))
    password = line.split()[-1]
    assert User.objects.get(username="zhao").check_password(password)


def test_bad_people_rows_reject_the_whole_file(city, tmp_path):
    path = write_xlsx(
        tmp_path,
        USER_COLUMNS,
        [
            ["good", "好人", "", "", "E1", "handler", "", "", ""],
            ["bad phone", "甲", "1234", "", "E1", "handler", "", "", ""],
            ["nounit", "乙", "", "", "NOPE", "handler", "", "", ""],
            ["norole", "丙", "", "", "E1", "boss", "", "", ""],
            ["grid", "丁", "", "", "E1", "grid_worker", "", "990101001001001", ""],
            ["campaign_admin", "戊", "", "", "E1", "handler", "", "", ""],
            ["weak", "己", "", "not-an-email", "E1", "handler", "", "", "123"],
        ],
    )
    before = User.objects.count()
    message = rejected("import_users", path)
    for expected in [
        "row 3 (bad phone)",
        "“1234” is not a mainland mobile number",
        "row 4 (nounit): unit “NOPE” does not exist",
        "row 5 (norole): unknown role “boss”",
        "row 6 (grid): the grid is outside the unit's area",
        "row 7 (campaign_admin): this user name is already taken",
        "row 8 (weak)",
        "is not an e-mail address",
    ]:
        assert expected in message, expected
    assert User.objects.count() == before


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("people.pdf", b"%PDF-1.4", "unsupported file type"),
        ("people.xlsx", b"this is no zip", "not a readable Excel file"),
        ("people.csv", b"", "the file is empty"),
    ],
)
def test_unreadable_tables_are_refused(db, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=reason):
        call_command("import_users", str(path))


def test_a_gb18030_csv_from_an_older_excel_is_read(city, tmp_path):
    path = write_csv(
        tmp_path, UNIT_COLUMNS, [["GBK1", "国标编码单位", "department", "990100", "", "", ""]], encoding="gb18030"
    )
    call_command("import_units", path)
    assert Unit.objects.get(code="GBK1").name == "国标编码单位"
