"""Cells of real exports: several values in one, placeholders, labels, tags, names in one cell, dates."""

import pytest

from crm.core.normalize import NormalizationError, PartialDate
from crm.imports.cells import (
    is_placeholder,
    is_starred,
    label_kind,
    partial_date,
    split_full_name,
    split_values,
    strip_bbcode,
    tags_of,
)


@pytest.mark.parametrize("text", ["н/д", "Нет", "null", "-", " — ", "0.0.00", "N/A", "не указано"])
def test_placeholders_are_nothing_in_any_field(text):
    assert is_placeholder(text)


@pytest.mark.parametrize(
    ("text", "field"),
    [("0", "phones"), ("9999999999", "phones"), ("test@test.ru", "emails"), ("01.01.1900", "birthday")],
)
def test_field_placeholders_are_nothing_in_their_field_only(text, field):
    assert is_placeholder(text, field)
    assert not is_placeholder(text, "notes")


def test_a_phone_cell_splits_on_comma_space_semicolon_newline_and_googles_triple_colon():
    assert split_values("+7 (916) 555-01-01, +7 916 555 01 01", "phones") == [
        "+7 (916) 555-01-01",
        "+7 916 555 01 01",
    ]
    assert split_values("+41319280960 ::: +41792648866", "phones") == ["+41319280960", "+41792648866"]
    assert split_values("84955552000; 89165550101\n+79035550202", "phones") == [
        "84955552000",
        "89165550101",
        "+79035550202",
    ]


def test_an_iphone_pause_stays_with_its_number_as_the_extension():
    assert split_values("+7 495 555-20-00,134", "phones") == ["+7 495 555-20-00,134"]
    assert split_values("+7 495 555-20-00,+7 916 555-01-01", "phones") == [
        "+7 495 555-20-00",
        "+7 916 555-01-01",
    ]


def test_placeholders_inside_a_multi_value_cell_are_dropped():
    assert split_values("н/д, 89165550101", "phones") == ["89165550101"]
    assert split_values("a@b.example, test@test.ru", "emails") == ["a@b.example"]


def test_an_email_cell_splits_on_commas_semicolons_and_spaces():
    assert split_values("m.k@vektor.example, masha@mail.example", "emails") == [
        "m.k@vektor.example",
        "masha@mail.example",
    ]


@pytest.mark.parametrize(
    ("label", "field", "expected"),
    [
        ("* Work", "emails", ("work", True)),
        ("* ", "phones", ("", True)),
        ("Mobile", "phones", ("mobile", False)),
        ("Home", "emails", ("personal", False)),
        ("ältere", "phones", ("other", False)),
        ("", "phones", ("", False)),
    ],
)
def test_google_label_cells_give_a_kind_and_the_primary_mark(label, field, expected):
    assert label_kind(label, field) == expected


def test_tags_leave_out_googles_system_labels_and_keep_mailchimps_quoted_commas():
    assert tags_of("* myContacts ::: Клиенты") == ["Клиенты"]
    assert tags_of("vip, Стройка") == ["vip", "Стройка"]
    assert tags_of('"VIP","Blog, news"') == ["VIP", "Blog, news"]
    assert tags_of("") == []
    assert is_starred("* starred ::: * myContacts")
    assert not is_starred("Клиенты")


def test_bbcode_is_stripped_from_comments():
    assert strip_bbcode("[B]VIP клиент[/B]\nПросила КП до пятницы") == "VIP клиент\nПросила КП до пятницы"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Иванова Ольга Сергеевна", ("Иванова", "Ольга", "Сергеевна")),
        ("Ольга Сергеевна Иванова", ("Иванова", "Ольга", "Сергеевна")),
        ("Гусейнов Рустам Али оглы", ("Гусейнов", "Рустам", "Али оглы")),
        ("Рустам Али оглы Гусейнов", ("Гусейнов", "Рустам", "Али оглы")),
        ("Семёнов А. В.", ("Семёнов", "А.", "В.")),
        ("Семенов А.В.", ("Семенов", "А.", "В.")),
        ("Olga Ivanova", ("Ivanova", "Olga", "")),
        ("Семенов Алексей", ("Семенов", "Алексей", "")),
        ("Анна Ли", ("Анна", "Ли", "")),
        ("Мария Кузнецова", ("Кузнецова", "Мария", "")),
        ("Тимур", ("", "Тимур", "")),
        ("Кузнецова", ("Кузнецова", "", "")),
        ("", ("", "", "")),
    ],
)
def test_a_full_name_in_one_cell_splits_whatever_its_order(text, expected):
    assert split_full_name(text) == expected


def test_dates_in_the_files_habits():
    assert partial_date("45214") == PartialDate(2023, 10, 15)
    assert partial_date("3/14/1985", "MDY") == PartialDate(1985, 3, 14)
    assert partial_date("3/4/1985", "DMY") == PartialDate(1985, 4, 3)
    assert partial_date("--07-21") == PartialDate(None, 7, 21)
    assert partial_date("--1102") == PartialDate(None, 11, 2)
    assert partial_date("1985-03-14", "YMD") == PartialDate(1985, 3, 14)
    assert partial_date("15.10.2023 14:32:10") == PartialDate(2023, 10, 15)
    assert partial_date("15-10-2023 14:32:10") == PartialDate(2023, 10, 15)
    assert partial_date("2023-10-15 14:32", "YMD") == PartialDate(2023, 10, 15)


@pytest.mark.parametrize("text", ["2/30/1990", "31.02.1990", "примерно 1980", "0.0.00"])
def test_impossible_or_vague_dates_are_refused(text):
    with pytest.raises(NormalizationError):
        partial_date(text, "MDY" if "/" in text else "DMY")
