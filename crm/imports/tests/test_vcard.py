"""vCard 2.1 / 3.0 / 4.0: what formats.md §2 and expected.md §2 say a reader must get right."""

from django.utils import translation

from crm.imports.readers import read
from crm.imports.tests import sample


def _cards(name):
    return {row.cells["fn"]: row for row in read(sample(name), name).rows}


def test_v30_gives_nine_complete_cards_and_the_cut_off_last_one_as_a_refused_row():
    table = read(sample("contacts_v30.vcf"), "contacts.vcf")
    assert (table.format, table.encoding, table.delimiter) == ("vcard", "utf-8", None)
    assert len(table.rows) == 10
    assert [row.problem for row in table.rows[:9]] == [None] * 9
    last = table.rows[9]
    assert (last.number, last.cells["fn"], last.cells["tel.1"]) == (10, "Павел Николаев", "8 960 555 13 13")


def test_the_cut_off_card_is_named_in_the_users_language():
    with translation.override("ru"):
        assert read(sample("contacts_v30.vcf"), "c.vcf").rows[9].problem == "обрыв vCard"
    with translation.override("en"):
        assert read(sample("contacts_v30.vcf"), "c.vcf").rows[9].problem == "vCard cut off (no END:VCARD)"


def test_v30_note_folded_with_a_tab_unfolds_to_one_line():
    note = _cards("contacts_v30.vcf")["Алёна Морозова"].cells["note"]
    assert note == (
        "Клиентка салона с 2019 года, предпочитает запись на утро, аллергия на аммиачные красители; "
        "просит напоминание за сутки"
    )


def test_v30_iphone_pause_extension_survives_in_the_raw_phone():
    olga = _cards("contacts_v30.vcf")["Ольга Сергеевна Иванова"].cells
    assert (olga["tel.1"], olga["tel.1.type"], olga["tel.1.pref"]) == (
        "+7 (916) 555-01-01",
        "cell,voice",
        "1",
    )
    assert (olga["tel.2"], olga["tel.2.type"]) == ("+7 495 555-20-00,134", "work,voice")


def test_v30_ios_labels_become_a_type_or_stay_a_custom_label():
    semenov = _cards("contacts_v30.vcf")["Алексей  Семёнов"].cells
    assert (semenov["tel.1"], semenov["tel.1.type"]) == ("+7 903 555-02-02", "mobile")
    assert "tel.1.label" not in semenov  # no card of the file has one
    assert (semenov["tel.2"], semenov["tel.2.type"], semenov["tel.2.label"]) == (
        "+7 903 555-22-22",
        "",
        "Дача",
    )
    olga = _cards("contacts_v30.vcf")["Ольга Сергеевна Иванова"].cells
    assert olga["email.1.type"] == "internet,other"
    assert (olga["impp.1"], olga["impp.1.service"], olga["impp.1.label"]) == (
        "x-apple:olga_iv",
        "Telegram",
        "Telegram",
    )


def test_v30_values_are_unfolded_unescaped_and_split_into_parts():
    cards = _cards("contacts_v30.vcf")
    olga = cards["Ольга Сергеевна Иванова"].cells
    assert (olga["n.family"], olga["n.given"], olga["n.additional"]) == ("Иванова", "Ольга", "Сергеевна")
    assert (olga["org"], olga["org.unit"], olga["title"]) == (
        "ООО «СтройМонтаж»",
        "Бухгалтерия",
        "Главный бухгалтер",
    )
    assert (olga["adr.1.street"], olga["adr.1.city"], olga["adr.1.code"], olga["adr.1.country"]) == (
        "ул. Складская, д. 7, стр. 2",
        "Москва",
        "115114",
        "Россия",
    )
    assert olga["bday"] == "1985-03-14"
    irina = cards["Ирина Зайцева"].cells
    assert irina["note"] == 'Любит звонки после 18:00, "не писать в WhatsApp"\nЗвонить на мобильный'
    maria = cards["Мария Кузнецова"].cells
    assert (maria["bday"], maria["categories"]) == ("--07-21", "myContacts,Клиенты")
    assert cards["Екатерина Ярославцева"].cells["nickname"] == "Катя"


def test_photos_are_skipped():
    for name in ("contacts_v21_qp.vcf", "contacts_v30.vcf", "contacts_v40.vcf"):
        assert not [key for key in read(sample(name), name).headers if "photo" in key]


def test_v40_alternatives_of_one_name_are_one_card_read_in_russian():
    table = read(sample("contacts_v40.vcf"), "contacts.vcf")
    assert len(table.rows) == 8
    assert all(row.problem is None for row in table.rows)
    alexey = _cards("contacts_v40.vcf")["Алексей Семёнов"].cells
    assert (alexey["n.family"], alexey["n.given"], alexey["n.additional"]) == (
        "Семёнов",
        "Алексей",
        "Викторович",
    )
    assert not any("Alexey" in value for row in table.rows for value in row.cells.values())


def test_v40_phone_uris_keep_their_extension():
    olga = _cards("contacts_v40.vcf")["Ольга Сергеевна Иванова"].cells
    assert (olga["tel.1"], olga["tel.1.type"], olga["tel.1.pref"]) == (
        "tel:+7-916-555-01-01",
        "cell,voice",
        "1",
    )
    assert olga["tel.2"] == "tel:+7-495-555-20-00;ext=134"
    assert olga["adr.1.formatted"] == "ул. Складская, д. 7, стр. 2\n115114 Москва\nРоссия"
    assert olga["note"] == "Познакомились на выставке «Стройка-2023»\nПросила КП до пятницы"
    assert (olga["categories"], olga["uid"]) == (
        "Клиенты,VIP",
        "urn:uuid:6f1c2a3b-4d5e-4f60-8a71-b2c3d4e5f601",
    )


def test_v40_organisation_and_group_cards_keep_their_kind_and_members():
    cards = _cards("contacts_v40.vcf")
    assert (cards["ООО «Ромашка»"].cells["kind"], cards["ООО «Ромашка»"].cells["url.1"]) == (
        "org",
        "https://romashka.example",
    )
    group = cards["Клиенты VIP"].cells
    assert group["kind"] == "group"
    assert (group["member.1"], group["member.2"]) == (
        cards["Ольга Сергеевна Иванова"].cells["uid"],
        cards["Алексей Семёнов"].cells["uid"],
    )


def test_birthdays_are_kept_as_written_whatever_their_form():
    cards = _cards("contacts_v40.vcf")
    assert [
        cards[name].cells["bday"] for name in ("Ольга Сергеевна Иванова", "Алексей Семёнов", "Павел Николаев")
    ] == [
        "19850314",
        "--1102",
        "примерно 1980",
    ]


def test_v21_quoted_printable_with_soft_breaks_inside_a_letter_decodes_whole():
    table = read(sample("contacts_v21_qp.vcf"), "contacts.vcf")
    assert [row.problem for row in table.rows] == [None, None]
    alena = table.rows[0].cells
    assert (alena["version"], alena["fn"], alena["n.family"], alena["n.given"]) == (
        "2.1",
        "Алёна Морозова",
        "Морозова",
        "Алёна",
    )
    assert alena["note"] == (
        "Клиентка с 2019 года, ждёт звонка после 18:00, просит напоминание за сутки; скидка 5%"
    )
    assert (alena["adr.1.street"], alena["adr.1.city"], alena["adr.1.country"]) == (
        "ул. Ленина, д. 5, кв. 12",
        "Казань",
        "Россия",
    )
    assert (alena["tel.1"], alena["tel.1.type"], alena["tel.1.pref"]) == ("+7 977 555-14-14", "cell", "1")
    assert (alena["tel.2"], alena["tel.2.type"]) == ("8 (495) 555-20-00 ext. 134", "work")
    assert alena["nickname"] == "Алёнушка"  # Android's X-ANDROID-CUSTOM nickname


def test_v21_windows_1251_card_decodes_by_its_charset_and_keeps_commas():
    pavel = read(sample("contacts_v21_qp.vcf"), "contacts.vcf").rows[1].cells
    assert (pavel["fn"], pavel["n.additional"], pavel["org"]) == (
        "Павел Николаев",
        "Андреевич",
        "ООО «Ромашка»",
    )
    assert pavel["note"] == "Москва, ул. Складская, д. 7"


def test_a_whole_file_in_windows_1251_is_decoded():
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Сергей Орлов\r\nNOTE:Звонить после обеда\r\nEND:VCARD\r\n"
    table = read(card.encode("cp1251"), "orlov.vcf")
    assert table.encoding == "windows-1251"
    assert table.rows[0].cells["note"] == "Звонить после обеда"


def test_headers_are_the_sorted_union_of_keys_and_every_row_has_them_all():
    table = read(sample("contacts_v40.vcf"), "contacts.vcf")
    assert "member.2" in table.headers
    assert table.headers.index("tel.1") < table.headers.index("tel.2")
    assert all(list(row.cells) == table.headers for row in table.rows)
    assert table.rows[1].cells["member.1"] == ""


def test_a_vcard_named_txt_is_read_by_its_content():
    assert read(sample("contacts_v40.vcf"), "export.txt").format == "vcard"
