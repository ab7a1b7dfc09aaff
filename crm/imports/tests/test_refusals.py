"""What the readers refuse as a whole (``UnreadableFile``, said plainly) and what only flags a row."""

import os

import pytest
from django.utils import translation

from crm.imports.readers import UnreadableFile, read
from crm.imports.readers.dispatch import DEFAULT_MAX_BYTES


def _refusal(data, filename, language="en"):
    with translation.override(language):
        with pytest.raises(UnreadableFile) as refused:
            read(data, filename)
        return str(refused.value)


@pytest.mark.parametrize("data", [b"", b"  \r\n\t", b"\xef\xbb\xbf", b"\xff\xfe", b";;;\n,,,\n"])
def test_an_empty_file_is_refused_as_empty(data):
    assert _refusal(data, "contacts.csv") == "The file is empty."
    assert _refusal(data, "contacts.csv", "ru") == "Файл пустой."


def test_binary_data_named_csv_is_not_a_text_table():
    junk = bytes(range(256)) * 8 + os.urandom(4096)
    assert _refusal(junk, "contacts.csv") == "This is not a text table: the file holds binary data."
    assert _refusal(junk, "contacts.csv", "ru") == "Это не текстовая таблица: в файле двоичные данные."


def test_binary_data_of_another_kind_is_an_unknown_format_named_by_its_content():
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4
    assert _refusal(pdf, "contacts.pdf") == (
        "Unknown file format (.pdf). Import reads CSV, Excel (XLSX, XLS) and vCard."
    )


def test_a_vcf_without_a_card_and_an_html_page_without_a_table_are_refused():
    assert _refusal(b"FN:Olga\n", "contacts.vcf") == "This is not a vCard file: it has no BEGIN:VCARD line."
    page = b"<!DOCTYPE html><html><body><p>Nothing here</p></body></html>"
    assert _refusal(page, "export.html") == "This is an HTML page with no table in it, not a spreadsheet."


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(settings):
    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024
    settings.CRM_IMPORT_MAX_BYTES = 1024 * 1024
    data = b"name,note\n" + (b"x" * 1_000 + b",y\n") * 1_050
    assert _refusal(data, "big.csv") == "The file is too large: import reads files up to 1 MB."
    assert _refusal(data, "big.csv", "ru") == "Файл слишком большой: импорт читает файлы до 1 МБ."
    settings.CRM_IMPORT_MAX_BYTES = len(data)
    assert len(read(data, "big.csv").rows) == 1_050


def test_a_row_of_more_than_a_thousand_columns_is_refused():
    def table(columns):
        header = ",".join(f"c{n}" for n in range(columns))
        return f"{header}\n{','.join('x' * columns)}\n".encode()

    assert len(read(table(1_000), "wide.csv").headers) == 1_000
    assert _refusal(table(1_001), "wide.csv") == (
        "A row of the file has more than 1000 columns: this is not a table of contacts."
    )


def test_a_megabyte_cell_is_read_and_flags_its_row_only():
    data = b"Name,Notes\nOlga," + b"x" * 1_000_000 + b"\nAlexey,short\n"
    with translation.override("en"):
        table = read(data, "notes.csv")
    assert len(table.rows[0].cells["Notes"]) == 1_000_000
    assert [row.problem for row in table.rows] == ["cell too long (column Notes)", None]


@pytest.mark.parametrize(("length", "flagged"), [(100_000, False), (100_001, True)])
def test_a_cell_is_too_long_past_a_hundred_thousand_characters(length, flagged):
    data = ("Имя;Заметка\nОльга;" + "ж" * length + "\n").encode("cp1251")
    with translation.override("ru"):
        problem = read(data, "notes.csv").rows[0].problem
    assert problem == ("слишком длинная ячейка (столбец Заметка)" if flagged else None)
