"""The uniform result of every reader, and the one way a grid of cells becomes it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext

from crm.imports.readers.errors import EMPTY, UnreadableFile, too_many_columns

Format = Literal["csv", "xlsx", "xls", "html-table", "vcard"]

MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 100_000
TITLE_LOOKAHEAD = 10


@dataclass(frozen=True)
class Problem:
    """A warning about the whole file; nothing was refused because of it."""

    code: str
    message: str


@dataclass(frozen=True)
class Row:
    """One data row of a table, or one card of a vCard file.

    ``number`` is what a user would count: 1 is the first data row (the header is not counted) or the
    first card. ``problem`` is the reason the row cannot be imported, if there is one; ``empty`` marks a
    row with no value at all, which a later step counts as skipped rather than refused.
    """

    number: int
    cells: dict[str, str]
    problem: str | None = None
    empty: bool = False


@dataclass(frozen=True)
class Table:
    format: Format
    encoding: str | None
    delimiter: str | None
    headers: list[str]
    rows: list[Row]
    problems: list[Problem] = field(default_factory=list)


def header_name(cell: str) -> str:
    """Header names are compared by their words: Outlook writes «Улица  2», Excel leaves a BOM."""
    return " ".join(cell.replace("\ufeff", "").split())


def is_blank(cell: str) -> bool:
    return not cell.strip()


def used_width(cells: Sequence[str]) -> int:
    """Up to the last cell with a value: trailing empty fields (a final delimiter, padding) do not count."""
    for index in range(len(cells) - 1, -1, -1):
        if not is_blank(cells[index]):
            return index + 1
    return 0


def _unique_headers(raw: Sequence[str], width: int) -> list[str]:
    # Cells become a dict keyed by header, so a nameless column gets a name and a repeated one a suffix.
    names: list[str] = []
    seen: set[str] = set()
    for index in range(width):
        name = header_name(raw[index]) if index < len(raw) else ""
        if not name:
            name = gettext("Column {number}").format(number=index + 1)
        candidate, copy = name, 1
        while candidate in seen:
            copy += 1
            candidate = f"{name} ({copy})"
        seen.add(candidate)
        names.append(candidate)
    return names


def long_cell_problem(cells: dict[str, str]) -> str | None:
    for column, value in cells.items():
        if len(value) > MAX_CELL_CHARS:
            return gettext("cell too long (column {column})").format(column=column)
    return None


def build_table(
    records: Iterable[Sequence[str]],
    *,
    format: Format,
    encoding: str | None = None,
    delimiter: str | None = None,
    problems: list[Problem] | None = None,
) -> Table:
    """The first record with a value is the header; every record after it is a data row.

    Columns run to the last one that holds a value anywhere (header or data), so the empty field that a
    trailing delimiter leaves (Bitrix24 ends every line with ``";``) makes neither a column nor a ragged
    row, while a value past the header still gets a column of its own.
    """
    problems = problems if problems is not None else []
    grid: list[Sequence[str]] = []
    widths: list[int] = []
    for record in records:
        used = used_width(record)
        if used > MAX_COLUMNS:
            raise too_many_columns(MAX_COLUMNS)
        grid.append(record)
        widths.append(used)
    while grid and not widths[-1]:  # blank lines at the end are not rows anyone sees
        grid.pop()
        widths.pop()
    if not grid:
        raise UnreadableFile(EMPTY)
    start = _header_index(grid)
    if titles := [" ".join(cell.split()) for record in grid[:start] for cell in record if not is_blank(cell)]:
        message = gettext("Lines above the table's header were left out: {text}")
        problems.append(Problem("title-skipped", message.format(text=" / ".join(titles))))
    header, grid = grid[start], grid[start + 1 :]
    headers = _unique_headers(header, max(widths[start:]))
    rows = []
    for number, record in enumerate(grid, start=1):
        cells = {name: (record[index] if index < len(record) else "") for index, name in enumerate(headers)}
        empty = all(is_blank(value) for value in cells.values())
        rows.append(Row(number=number, cells=cells, problem=long_cell_problem(cells), empty=empty))
    return Table(
        format=format, encoding=encoding, delimiter=delimiter, headers=headers, rows=rows, problems=problems
    )


def _header_index(grid: list[Sequence[str]]) -> int:
    """The first record with a value, unless it is a title: hand-typed sheets put a one-cell title and an
    empty line above the header row."""
    filled = [sum(1 for cell in record if not is_blank(cell)) for record in grid[:TITLE_LOOKAHEAD]]
    first = next((index for index, count in enumerate(filled) if count), 0)
    if filled[first] > 1:
        return first
    for index in range(first + 1, len(filled)):
        if filled[index] > 1:
            return index if filled[index - 1] == 0 else first
    return first
