"""Column suggestions: every known export is recognised and its columns land on the right fields."""

import csv
import io
from pathlib import Path

import pytest

from crm.imports.mapping import (
    PRESETS,
    SYNONYMS,
    Target,
    columns_from,
    detect_preset,
    header_key,
    importable_fields,
    suggest,
)

SAMPLES = Path(__file__).parent / "samples"


def _headers(name: str, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[str]:
    text = (SAMPLES / name).read_text(encoding)
    return [h for h in next(csv.reader(io.StringIO(text), delimiter=delimiter)) if h]


def test_header_keys_ignore_case_yo_punctuation_and_spacing():
    assert header_key("E-mail 1 - Value") == "e mail 1 value"
    assert header_key("  Телефон  ") == "телефон"
    assert header_key("Улица  2 (другой адрес)") == "улица 2 другой адрес"
    assert header_key("Ёлка") == header_key("елка")


@pytest.mark.parametrize(
    ("sample", "preset"),
    [
        ("google_contacts.csv", "google"),
        ("outlook.csv", "outlook"),
        ("hubspot.csv", "hubspot"),
        ("amocrm_contacts.csv", "amocrm"),
    ],
)
def test_each_known_export_is_recognised_by_its_header(sample, preset):
    assert detect_preset(_headers(sample)).name == preset


def test_bitrix24_export_is_recognised_by_its_header():
    headers = _headers("bitrix24_contacts_utf8.csv", delimiter=";")
    assert detect_preset(headers).name == "bitrix24"


def test_mailchimp_export_is_recognised_and_its_tracking_columns_are_not_imported():
    headers = ["Email Address", "First Name", "Last Name", "Phone Number", "Birthday", "MEMBER_RATING"]
    headers += ["OPTIN_TIME", "LEID", "NOTES", "TAGS"]
    suggestion = suggest(headers)
    assert suggestion.preset.name == "mailchimp"
    assert suggestion.columns["Email Address"] == Target("emails")
    assert suggestion.columns["TAGS"] == Target("tags")
    assert suggestion.columns["MEMBER_RATING"] is None
    assert suggestion.date_order == "MDY"


def test_a_hand_typed_header_matches_no_preset_but_every_column_is_suggested():
    suggestion = suggest(["№", "ФИО", "Телефон ", "Эл. почта", "Компания", "Должность", "Комментарий"])
    assert suggestion.preset is None
    assert suggestion.columns == {
        "№": None,
        "ФИО": Target("full_name"),
        "Телефон ": Target("phones"),
        "Эл. почта": Target("emails"),
        "Компания": Target("company_name"),
        "Должность": Target("position"),
        "Комментарий": Target("notes"),
    }
    assert suggestion.date_order == "DMY"


def test_google_numbered_groups_carry_their_label_column():
    columns = suggest(_headers("google_contacts.csv")).columns
    assert columns["Phone 1 - Value"] == Target("phones", label_column="Phone 1 - Label")
    assert columns["E-mail 2 - Value"] == Target("emails", label_column="E-mail 2 - Label")
    assert columns["Phone 1 - Label"] is None  # read through its value's column, not imported alone
    assert columns["Address 1 - City"] == Target("city")
    assert columns["Organization Title"] == Target("position")
    assert columns["Labels"] == Target("tags")
    assert columns["Photo"] is None
    assert suggest(_headers("google_contacts.csv")).date_order == "YMD"


def test_outlook_title_is_a_salutation_not_a_position_and_its_dates_are_month_first():
    suggestion = suggest(_headers("outlook.csv"))
    assert suggestion.columns["Title"] is None
    assert suggestion.columns["Job Title"] == Target("position")
    assert suggestion.columns["Mobile Phone"] == Target("phones", "mobile")
    assert suggestion.columns["Business Phone"] == Target("phones", "work")
    assert suggestion.columns["Home Fax"] == Target("phones", "fax")
    assert suggestion.columns["E-mail 2 Address"] == Target("emails", "other")
    assert suggestion.date_order == "MDY"


def test_amocrm_columns_split_people_from_companies_and_keep_kinds():
    columns = suggest(_headers("amocrm_contacts.csv")).columns
    assert columns["Тип"] == Target("record_kind")
    assert columns["Полное имя контакта"] == Target("full_name")
    assert columns["Мобильный телефон"] == Target("phones", "mobile")
    assert columns["Рабочий прямой телефон"] == Target("phones", "work")
    assert columns["Личный email"] == Target("emails", "personal")
    assert columns["Примечание 3"] == Target("notes")
    assert columns["Теги"] == Target("tags")
    assert columns["uid"] is None


def test_hubspot_record_id_is_kept_and_its_status_columns_are_not_imported():
    columns = suggest(_headers("hubspot.csv")).columns
    assert columns["Record ID"] == Target("external_id")
    assert columns["Contact owner"] == Target("owner_id")
    assert columns["Lead Status"] is None
    assert columns["Mobile Phone Number"] == Target("phones", "mobile")


def test_bitrix24_columns_map_phones_e_mails_and_messengers_by_kind():
    columns = suggest(_headers("bitrix24_contacts_utf8.csv", delimiter=";")).columns
    assert columns["Рабочий телефон"] == Target("phones", "work")
    assert columns["Номер факса"] == Target("phones", "fax")
    assert columns["Частный e-mail"] == Target("emails", "personal")
    assert columns["Контакт Telegram"] == Target("messengers", "telegram")
    assert columns["Тип контакта"] is None
    assert columns["Обращение"] is None


def test_a_custom_fields_label_is_suggested_for_its_column():
    columns = suggest(["Фамилия", "Размер обуви"], {"shoe_size": "Размер обуви"}).columns
    assert columns["Размер обуви"] == Target("custom:shoe_size")


def test_every_suggested_target_is_a_field_a_row_can_fill():
    targets = {t.field for t in SYNONYMS.values()}
    targets |= {t.field for p in PRESETS for t in p.columns.values() if t is not None}
    assert targets <= importable_fields()


def test_a_stored_mapping_is_read_in_the_files_column_order_whatever_order_it_comes_back_in():
    # PostgreSQL's jsonb gives a stored mapping back with its keys sorted: the file's order still rules.
    suggested = suggest(["Мобильный", "Рабочий", "Фамилия"]).columns
    stored = {"Фамилия": "last_name", "Рабочий": "phones:work", "Мобильный": "phones:mobile"}
    assert list(columns_from(stored, suggested)) == ["Мобильный", "Рабочий", "Фамилия"]
    assert list(columns_from({**stored, "Лишний": "city"}, suggested))[-1] == "Лишний"
