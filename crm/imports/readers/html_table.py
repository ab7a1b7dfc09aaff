"""An HTML ``<table>`` saved as a spreadsheet: Bitrix24's "Excel" export is one, named ``.xls``.

Bitrix24 writes ``<meta http-equiv="Content-type" content="text/html;charset=…">`` and then a
``<table border="1">`` with a header row of ``<th>`` and one ``<tr>`` of ``<td>`` per record, line breaks
inside a value as ``<br>``. Only the first table is read; a table nested in a cell adds its text to that
cell.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from crm.imports.readers.encodings import decode, replaced_problem
from crm.imports.readers.table import Problem, Table, build_table

META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
TABLE_TAG = re.compile(r"<table[\s>/]", re.IGNORECASE)
# Markup spacing is not content: runs of HTML white space read as one space (no-break spaces are kept).
HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def holds_table(text: str) -> bool:
    return TABLE_TAG.search(text) is not None


def read_html_table(data: bytes, problems: list[Problem]) -> Table:
    declared = META_CHARSET.search(data[:4096])
    decoded = decode(data, declared=declared.group(1).decode("ascii") if declared else None)
    if decoded.replaced:
        problems.append(replaced_problem())
    parser = _TableParser()
    parser.feed(decoded.text)
    parser.close()
    return build_table(parser.records, format="html-table", encoding=decoded.encoding, problems=problems)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.records: list[list[str]] = []
        self._depth = 0  # tables open, counting the one being read; 0 before it and after it
        self._done = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        if tag == "table":
            self._depth += 1
        elif self._depth == 1 and tag == "tr":
            self._end_row()
            self._row = []
        elif self._depth == 1 and tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._row = []
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self._cell is not None and not self._done:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._done or not self._depth:
            return
        if tag == "table":
            self._depth -= 1
            if not self._depth:
                self._end_row()
                self._done = True
        elif self._depth == 1 and tag in ("td", "th"):
            self._end_cell()
        elif self._depth == 1 and tag == "tr":
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._done:
            self._cell.append(HTML_SPACE.sub(" ", data))

    def close(self) -> None:
        super().close()
        self._end_row()

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            lines = "".join(self._cell).split("\n")
            self._row.append("\n".join(line.strip(" ") for line in lines).strip("\n"))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None:
            self.records.append(self._row)
        self._row = None
