"""CSV and XLSX files of one KPI table: a header row of column titles, then the values.

Numbers stay numbers in the workbook (openpyxl writes typed cells); the CSV starts with a UTF-8
byte order mark so that spreadsheet programs read Chinese labels correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from gongdan.reports.services import KpiTable

#: MIME types of the export formats.
MIMETYPES: Mapping[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Spreadsheet programs run cells starting with these as formulas (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def table_rows(table: KpiTable, titles: Mapping[str, str]) -> list[Sequence[Any]]:
    """The header (column titles) and the rows of ``table`` (without the raw ``group_key``)."""
    columns = [c for c in table.columns if c != "group_key"]
    header = [titles.get(column, column) for column in columns]
    return [header, *([_safe_text(row.get(c)) for c in columns] for row in table.rows)]


def csv_bytes(table: KpiTable, titles: Mapping[str, str]) -> bytes:
    """``table`` as CSV (UTF-8 with a byte order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(table_rows(table, titles))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(table: KpiTable, titles: Mapping[str, str], sheet: str) -> bytes:
    """``table`` as a one-sheet XLSX workbook named ``sheet``."""
    return workbook_bytes([(sheet, table_rows(table, titles))])


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook with one sheet per ``(name, rows)``, in order."""
    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    for name, rows in sheets:
        worksheet = workbook.create_sheet(name[:31])
        for row in rows:
            worksheet.append([_safe_text(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
