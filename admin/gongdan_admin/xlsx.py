"""A minimal XLSX (Office Open XML spreadsheet) writer for the admin's exports.

Flask-Admin exports XLSX through tablib, which needs openpyxl; the admin writes the one sheet
an export is (a header row, then text cells) itself instead of adding that dependency. Every
cell is an inline string, so numbers and dates arrive as the text the list shows.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

#: The MIME type of an XLSX workbook.
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Characters XML 1.0 cannot carry at all (control characters but tab, newline, return).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SPREADSHEET}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml"'
    f' ContentType="{_SPREADSHEET}.worksheet+xml"/>'
    "</Types>"
)


def _relationship(kind: str, target: str) -> str:
    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
        f'<Relationship Id="rId1" Type="{_OFFICE}/{kind}" Target="{target}"/></Relationships>'
    )


_ROOT_RELS = _relationship("officeDocument", "xl/workbook.xml")
_WORKBOOK_RELS = _relationship("worksheet", "worksheets/sheet1.xml")
_WORKBOOK = (
    f"{_XML}"
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    f' xmlns:r="{_OFFICE}">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def column_letter(index: int) -> str:
    """The spreadsheet name of the zero-based column ``index`` (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(reference: str, value: object) -> str:
    text = _INVALID_XML.sub("", "" if value is None else str(value))
    return (
        f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
    )


def _sheet(rows: Iterable[Sequence[object]]) -> str:
    lines = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{column_letter(i)}{number}", v) for i, v in enumerate(row))
        lines.append(f'<row r="{number}">{cells}</row>')
    return (
        f"{_XML}"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>"
    )


def workbook(headers: Sequence[object], rows: Iterable[Sequence[object]], title: str) -> bytes:
    """An XLSX file with one sheet named ``title``: ``headers`` as its first row, then ``rows``."""
    name = escape(re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1", {'"': "&quot;"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=name))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", _sheet([headers, *rows]))
    return buffer.getvalue()
