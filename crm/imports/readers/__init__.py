"""File readers of the import: an uploaded file's bytes become one uniform ``Table``.

``read(data, filename)`` returns a ``Table`` (format, encoding, delimiter, headers, rows, file-level
problems) or raises ``UnreadableFile`` with a message for the user. Nothing here maps columns onto fields
or writes to the database; that is the next step's work.

- ``dispatch``: ``read``, format detection (content first, name second) and the size limit;
- ``encodings``: bytes to text (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1251, KOI8-R);
- ``delimited``: CSV (delimiter ``,`` ``;`` or TAB found from the content);
- ``spreadsheet``: XLSX and XLS (python-calamine);
- ``html_table``: an HTML ``<table>`` saved as ``.xls`` (Bitrix24's "Excel" export);
- ``vcard``: vCard 2.1 / 3.0 / 4.0, one row per card, keys documented in the module;
- ``table``: ``Table``, ``Row``, ``Problem`` and the shared grid-to-table rules;
- ``errors``: ``UnreadableFile`` and its messages.
"""

from crm.imports.readers.dispatch import read
from crm.imports.readers.errors import UnreadableFile
from crm.imports.readers.table import Problem, Row, Table

__all__ = ["Problem", "Row", "Table", "UnreadableFile", "read"]
