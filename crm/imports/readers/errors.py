"""The one exception a reader raises: the file as a whole cannot be read as a table."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

EMPTY = _("The file is empty.")
BINARY = _("This is not a text table: the file holds binary data.")
NOT_A_VCARD = _("This is not a vCard file: it has no BEGIN:VCARD line.")
DAMAGED_WORKBOOK = _("The Excel file is damaged or cut off and cannot be read.")
PROTECTED_WORKBOOK = _(
    "The Excel file is protected with a password: save it without one and upload it again."
)
NO_SHEET = _("The Excel file has no worksheet to read.")
HTML_WITHOUT_TABLE = _("This is an HTML page with no table in it, not a spreadsheet.")
HTML_XLS_WITHOUT_TABLE = _("An HTML file with the .xls extension, and it holds no table.")


class UnreadableFile(Exception):
    """Nothing of the file can be imported; ``message`` says why, in the user's language."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def too_large(limit_bytes: int) -> UnreadableFile:
    megabytes = max(1, limit_bytes // (1024 * 1024))
    return UnreadableFile(
        format_lazy(_("The file is too large: import reads files up to {limit} MB."), limit=megabytes)
    )


def too_many_columns(limit: int) -> UnreadableFile:
    return UnreadableFile(
        format_lazy(
            _("A row of the file has more than {limit} columns: this is not a table of contacts."),
            limit=limit,
        )
    )


def unknown_format(kind: str) -> UnreadableFile:
    return UnreadableFile(
        format_lazy(
            _("Unknown file format ({kind}). Import reads CSV, Excel (XLSX, XLS) and vCard."), kind=kind
        )
    )
