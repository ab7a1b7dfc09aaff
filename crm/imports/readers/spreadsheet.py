"""Excel workbooks, XLSX and the older binary XLS, read with python-calamine.

The first visible worksheet is read. Calamine gives each cell's stored value: a formula's last computed
value (never evaluated here; a formula saved without one, as openpyxl writes them, reads as empty), a
number as a float, a date cell as a date. Numbers that are whole print without ``.0`` (phones typed as
numbers, ``84955552000``), dates as ISO 8601. A merged range shows its value in every cell it covers, as
Excel shows it: a company merged over its employees belongs to each of them.
"""

from __future__ import annotations

import datetime
import io
import math
import zipfile

from django.utils.translation import gettext
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from crm.imports.readers.errors import DAMAGED_WORKBOOK, NO_SHEET, PROTECTED_WORKBOOK, UnreadableFile
from crm.imports.readers.table import Format, Problem, Table, build_table

Value = int | float | str | bool | datetime.time | datetime.date | datetime.datetime | datetime.timedelta


def read_workbook(data: bytes, format: Format, problems: list[Problem]) -> Table:
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            sheets = [
                meta.name
                for meta in workbook.sheets_metadata
                if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
            ]
            if not sheets:
                raise UnreadableFile(NO_SHEET)
            sheet = workbook.get_sheet_by_name(sheets[0])
            # Rows and columns from A1, so merged ranges (given from A1) land where they belong.
            values = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
    except PasswordError as error:
        raise UnreadableFile(PROTECTED_WORKBOOK) from error
    except (CalamineError, zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableFile(DAMAGED_WORKBOOK) from error
    if len(sheets) > 1:
        message = gettext("Only the workbook's first sheet, «{name}», was read; other sheets: {count}.")
        problems.append(Problem("other-sheets", message.format(name=sheets[0], count=len(sheets) - 1)))
    records = [[cell_text(value) for value in row] for row in values]
    _spread_merged(records, merged)
    return build_table(records, format=format, problems=problems)


def cell_text(value: Value) -> str:
    if isinstance(value, bool):  # before int: bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _spread_merged(records: list[list[str]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    for (top, left), (bottom, right) in merged:
        if top >= len(records) or left >= len(records[top]):
            continue
        value = records[top][left]
        for row in records[top : bottom + 1]:
            for column in range(left, min(right + 1, len(row))):
                row[column] = value
