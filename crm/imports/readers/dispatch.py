"""``read``: which reader a file goes to, judged by its content first and its name second.

A name can lie (Bitrix24 saves an HTML table as ``.xls``, a phone a vCard as ``.txt``), so the bytes
decide: ZIP → XLSX, OLE2 → XLS, text starting with ``<`` and holding a ``<table`` → HTML table,
``BEGIN:VCARD`` → vCard, other text → CSV. The name only settles what the content leaves open.
"""

from __future__ import annotations

import os
import re
import zipfile
from io import BytesIO

import filetype
from django.conf import settings

from crm.imports.readers.delimited import read_delimited
from crm.imports.readers.encodings import Decoded, decode, replaced_problem
from crm.imports.readers.errors import (
    EMPTY,
    HTML_WITHOUT_TABLE,
    HTML_XLS_WITHOUT_TABLE,
    NOT_A_VCARD,
    UnreadableFile,
    too_large,
    unknown_format,
)
from crm.imports.readers.html_table import holds_table, read_html_table
from crm.imports.readers.spreadsheet import read_workbook
from crm.imports.readers.table import Problem, Table
from crm.imports.readers.vcard import read_vcards

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_NAMES = {"xlsx", "xlsm", "xls"}
TEXT_NAMES = {"csv", "txt", "tsv", "tab", "vcf", "vcard", "htm", "html", ""}
HTML_START = re.compile(r"<(!doctype|html|head|body|meta)\b", re.IGNORECASE)
VCARD = re.compile(r"^BEGIN:VCARD", re.IGNORECASE | re.MULTILINE)


def max_bytes() -> int:
    """The largest file an import takes (``CRM_IMPORT_MAX_BYTES``)."""
    return int(getattr(settings, "CRM_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def read(data: bytes, filename: str) -> Table:
    """The file as a table, or ``UnreadableFile`` saying plainly why it is not one."""
    limit = max_bytes()
    if len(data) > limit:
        raise too_large(limit)
    if not data.strip():
        raise UnreadableFile(EMPTY)
    extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
    problems: list[Problem] = []
    if data.startswith(ZIP_MAGIC):
        _require_workbook_zip(data, extension)
        return read_workbook(data, "xlsx", problems)
    if data.startswith(OLE2_MAGIC):
        if extension not in EXCEL_NAMES and extension not in TEXT_NAMES:
            raise unknown_format(f".{extension}")  # a Word document or an Outlook message
        return read_workbook(data, "xls", problems)
    decoded = _decode(data, extension)
    if not decoded.text.strip("\ufeff \t\r\n"):
        raise UnreadableFile(EMPTY)
    start = decoded.text.lstrip("\ufeff \t\r\n")
    if start.startswith("<"):
        if holds_table(decoded.text):
            return read_html_table(data, problems)  # decodes again, by the charset the page names
        if extension == "xls":
            raise UnreadableFile(HTML_XLS_WITHOUT_TABLE)
        if HTML_START.match(start):
            raise UnreadableFile(HTML_WITHOUT_TABLE)
    if decoded.replaced:
        problems.append(replaced_problem())
    if start[:11].upper() == "BEGIN:VCARD" or (extension in ("vcf", "vcard") and VCARD.search(decoded.text)):
        return read_vcards(decoded, problems)
    if extension in ("vcf", "vcard"):
        raise UnreadableFile(NOT_A_VCARD)
    return read_delimited(decoded, problems)


def _decode(data: bytes, extension: str) -> Decoded:
    try:
        return decode(data)
    except UnreadableFile:
        if extension in TEXT_NAMES or extension in EXCEL_NAMES:
            raise
        raise unknown_format(_kind(data, extension)) from None


def _require_workbook_zip(data: bytes, extension: str) -> None:
    """A whole ZIP without a workbook in it is another kind of file (a .docx, an archive); a ZIP that cannot
    be opened is a workbook cut off in transfer, and the workbook reader says so."""
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise unknown_format(_kind(data, extension))


def _kind(data: bytes, extension: str) -> str:
    guessed = filetype.guess_extension(data[:8192])
    return f".{guessed}" if guessed else (f".{extension}" if extension else "?")
