"""Excel workbooks and the HTML "Excel" of Bitrix24."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.utils import translation

from crm.imports.readers import UnreadableFile, read


def _hand_typed_workbook(tmp_path):
    """A sheet as formats.md §1.7 describes hand-typed Excel: a title and an empty row above the header, a
    company merged over two employees, phones as numbers, dates, a formula, a second sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Клиенты"
    sheet["A1"] = "Список клиентов"
    sheet.append([])
    sheet.append(["№", "ФИО", "Телефон ", "Эл. почта", "Компания", "Дата первого контакта"])
    sheet.append([1, "Иванова Ольга", 84955552000, '=HYPERLINK("mailto:a@b.example","a")', "ООО «Вектор»"])
    sheet.append([2, "Лапин  Андрей", "'+7 916 555-21-21", "a.lapin@example.com", None])
    moment = datetime.datetime(2023, 10, 16, 14, 32)  # noqa: DTZ001  (a cell keeps no time zone)
    sheet.append([3, "Итого:", 1.5, True, None, moment])
    sheet["F4"] = datetime.date(2023, 10, 16)
    sheet.merge_cells("E4:E5")
    book.create_sheet("Архив").append(["Старые", "клиенты"])
    path = tmp_path / "clients.xlsx"
    book.save(path)
    return path.read_bytes()


def test_xlsx_first_sheet_reads_as_a_table_below_its_title(tmp_path):
    table = read(_hand_typed_workbook(tmp_path), "clients.xlsx")
    assert (table.format, table.encoding, table.delimiter) == ("xlsx", None, None)
    assert table.headers == ["№", "ФИО", "Телефон", "Эл. почта", "Компания", "Дата первого контакта"]
    assert [row.cells["ФИО"] for row in table.rows] == ["Иванова Ольга", "Лапин  Андрей", "Итого:"]
    assert sorted(problem.code for problem in table.problems) == ["other-sheets", "title-skipped"]


def test_xlsx_values_print_as_a_person_reads_them(tmp_path):
    first, second, third = (row.cells for row in read(_hand_typed_workbook(tmp_path), "clients.xlsx").rows)
    assert (first["№"], first["Телефон"], first["Дата первого контакта"]) == (
        "1",
        "84955552000",
        "2023-10-16",
    )
    assert second["Телефон"] == "'+7 916 555-21-21"
    assert (third["Телефон"], third["Эл. почта"], third["Дата первого контакта"]) == (
        "1.5",
        "TRUE",
        "2023-10-16 14:32:00",
    )


def test_xlsx_merged_cell_belongs_to_every_row_it_covers(tmp_path):
    rows = read(_hand_typed_workbook(tmp_path), "clients.xlsx").rows
    assert [row.cells["Компания"] for row in rows] == ["ООО «Вектор»", "ООО «Вектор»", ""]


def test_xlsx_formula_is_never_evaluated(tmp_path):
    # openpyxl saves a formula without a computed value; the reader reads stored values only.
    assert read(_hand_typed_workbook(tmp_path), "clients.xlsx").rows[0].cells["Эл. почта"] == ""


def test_a_truncated_xlsx_is_refused_as_damaged(tmp_path):
    data = _hand_typed_workbook(tmp_path)
    with translation.override("en"):
        with pytest.raises(UnreadableFile) as refused:
            read(data[: len(data) // 2], "clients.xlsx")
        assert str(refused.value) == "The Excel file is damaged or cut off and cannot be read."


def test_ole2_junk_named_xls_is_refused_as_damaged():
    with translation.override("en"), pytest.raises(UnreadableFile, match="damaged"):
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.xls")


def test_a_zip_without_a_workbook_is_an_unknown_format():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("subscribed_members_export.csv", "Email Address\nolga@example.com\n")
    with translation.override("en"), pytest.raises(UnreadableFile, match="Unknown file format"):
        read(buffer.getvalue(), "members.zip")


def test_html_named_xls_with_no_table_is_refused_plainly():
    page = '<meta http-equiv="Content-type" content="text/html;charset=UTF-8" />Нет контактов'.encode()
    with translation.override("ru"):
        with pytest.raises(UnreadableFile) as refused:
            read(page, "contacts.xls")
        assert str(refused.value) == "HTML-файл с расширением .xls, и в нём нет таблицы."


def test_html_table_reads_line_breaks_entities_and_utf8_without_a_meta_charset():
    page = (
        "<html><body><table border=1><tr><th> Имя </th><th>Заметка</th></tr>"
        "<tr><td>Ольга</td><td>VIP &amp; опт<br>Просила   КП<br/>до пятницы</td></tr></table></body></html>"
    )
    table = read(page.encode(), "contacts.xls")
    assert (table.format, table.encoding, table.headers) == ("html-table", "utf-8", ["Имя", "Заметка"])
    assert table.rows[0].cells["Заметка"] == "VIP & опт\nПросила КП\nдо пятницы"


def test_html_table_honours_its_meta_charset_and_ignores_a_bogus_one():
    rows = "<table><tr><th>Имя</th></tr><tr><td>Ольга</td></tr></table>"
    koi8 = read(f'<meta charset="koi8-r">{rows}'.encode("koi8_r"), "contacts.xls")
    assert (koi8.encoding, koi8.rows[0].cells) == ("koi8-r", {"Имя": "Ольга"})
    bogus = read(f'<meta charset="rot13">{rows}'.encode(), "contacts.xls")
    assert (bogus.encoding, bogus.rows[0].cells) == ("utf-8", {"Имя": "Ольга"})
