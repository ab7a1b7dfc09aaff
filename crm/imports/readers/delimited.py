"""CSV and other delimited text: the delimiter is found by trying each candidate on the first records.

csv.Sniffer guesses from character frequencies and often picks a letter or a space on Russian exports, so
each candidate (comma, semicolon, TAB) is parsed for real, quotes and embedded newlines included, and the
one that splits the records into the same number of columns (more than one) most often wins.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterator

from crm.imports.readers.encodings import Decoded
from crm.imports.readers.errors import EMPTY, UnreadableFile
from crm.imports.readers.table import Problem, Table, build_table, is_blank

CANDIDATES = (",", ";", "\t")
NOT_CONTENT = str.maketrans("", "", ',;"\t')
SAMPLE_RECORDS = 50
SAMPLE_CHARS = 256_000
# The csv module refuses a field over 128 KiB by default; a long cell is the row's problem, not the file's.
FIELD_LIMIT = 2**31 - 1


def read_delimited(decoded: Decoded, problems: list[Problem]) -> Table:
    text = decoded.text.removeprefix("\ufeff")
    if not text.translate(NOT_CONTENT).strip():
        raise UnreadableFile(EMPTY)  # delimiters and quotes only: an export of nothing
    delimiter = sniff_delimiter(text)
    return build_table(
        _records(text, delimiter or _absent_character(text)),
        format="csv",
        encoding=decoded.encoding,
        delimiter=delimiter,
        problems=problems,
    )


def sniff_delimiter(text: str) -> str | None:
    """The candidate giving the most consistent column count above one, or None for a one-column file.

    On a tie, the one leaving fewer stray quotes in the values: the wrong delimiter cuts quoted values
    apart and leaves their quotes inside.
    """
    sample = text[:SAMPLE_CHARS]
    cut = len(text) > SAMPLE_CHARS
    best: tuple[float, int, int] | None = None
    chosen = None
    for delimiter in CANDIDATES:
        records = [r for r in itertools.islice(_records(sample, delimiter), SAMPLE_RECORDS + 1) if _filled(r)]
        if cut and len(records) > 1:
            records.pop()  # the sample may end inside a record
        records = records[:SAMPLE_RECORDS]
        # The raw field count: a final delimiter or padding is there on every line, so it stays consistent.
        widths = Counter(len(record) for record in records)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        stray = sum(1 for record in records for cell in record if '"' in cell)
        score = (count / len(records), -stray, width)
        if width > 1 and (best is None or score > best):
            best, chosen = score, delimiter
    return chosen


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
        # A cell keeps its line breaks, written one way whatever the file's line ends.
        yield [cell.replace("\r\n", "\n").replace("\r", "\n") if "\r" in cell else cell for cell in record]


def _filled(record: list[str]) -> bool:
    return any(not is_blank(cell) for cell in record)


def _absent_character(text: str) -> str:
    # One column: split on a character the text does not hold, so commas in a value stay in it.
    for candidate in "\x1f\x1e\x1d\x1c":
        if candidate not in text:
            return candidate
    return "\x1f"
