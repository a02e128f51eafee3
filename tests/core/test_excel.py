"""Every export: what people typed is text in Excel, never a formula."""

import io

from openpyxl import load_workbook

from wenming.core.excel import workbook_bytes


def test_text_that_looks_like_a_formula_stays_text():
    data = workbook_bytes("t", ["a", "b", "c"], [['=HYPERLINK("http://evil")', "=1+1", 3]])
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [sheet.cell(row=2, column=c) for c in (1, 2, 3)]
    assert [(c.value, c.data_type) for c in cells] == [('=HYPERLINK("http://evil")', "s"), ("=1+1", "s"), (3, "n")]
