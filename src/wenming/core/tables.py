"""Reading tables that people keep: CSV (UTF-8, with or without BOM, or GB18030) and Excel."""

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _

from wenming.core.errors import Invalid


class TableError(Invalid):
    """A table that cannot be read; the message says why."""


def read_table(path: str | Path) -> list[tuple[int, dict]]:
    """Rows as (row number in the file, {column: value}); the header is row 1.

    Column names are stripped and lower-cased; fully empty rows are skipped.
    """
    path = Path(path)
    if not path.exists():
        raise TableError(_("file not found: %s") % path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _excel_rows(path)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path)
    else:
        raise TableError(_("unsupported file type %s: use .csv or .xlsx") % suffix)
    try:
        header = next(rows)
    except StopIteration:
        raise TableError(_("the file is empty")) from None
    names = [str(h or "").strip().lower() for h in header]
    if not any(names):
        raise TableError(_("the first row must name the columns"))
    result = []
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        result.append((number, {name: value for name, value in zip(names, values, strict=False) if name}))
    return result


def _csv_rows(path: Path):
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise TableError(_("the file is neither UTF-8 nor GB18030 text"))
    return iter(list(csv.reader(io.StringIO(text))))


def _excel_rows(path: Path):
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise TableError(_("not a readable Excel file: %s") % exc) from None
    sheet = book.worksheets[0]
    return iter([list(row) for row in sheet.iter_rows(values_only=True)])
