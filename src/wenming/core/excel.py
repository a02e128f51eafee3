"""Excel export of any list: every list in wenming can be downloaded as it is filtered."""

from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(title: str, headers: list[str], rows) -> bytes:
    return workbook_sheets([(title, headers, rows)])


def workbook_sheets(sheets) -> bytes:
    """One workbook of several sheets, each given as (title, headers, rows)."""
    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        _write_sheet(book, title, headers, rows)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(book, title: str, headers: list[str], rows) -> None:
    sheet = book.create_sheet(title=str(title)[:31])
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width, 60)
    sheet.freeze_panes = "A2"
    header_font = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(sheet, value=str(h))
        cell.font = header_font
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(
            [
                _text_cell(sheet, cell) if isinstance(cell, str) and cell.startswith("=") else cell
                for cell in map(_cell, row)
            ]
        )


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        # Excel has no time zones: write local time, without the zone.
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (int, float, str)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def _text_cell(sheet, text: str) -> WriteOnlyCell:
    """Text that looks like a formula (what a citizen typed: "=HYPERLINK(…)") stays text in Excel."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def xlsx_response(basename: str, headers: list[str], rows) -> HttpResponse:
    return xlsx_file_response(basename, workbook_bytes(basename, headers, rows))


def xlsx_file_response(basename: str, data: bytes) -> HttpResponse:
    """A workbook as a download named after ``basename`` and the local time."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{basename}-{stamp}.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
