"""Importing a file writes through the contacts services: cards, journal (under the batch), duplicates
against the base as the user chose, a report of every refused row, and the whole batch undoable."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from crm.activities.models import Entry
from crm.contacts.inputs import ContactInput
from crm.contacts.kinds import EmailInput, PhoneInput
from crm.contacts.models import Company, Contact
from crm.contacts.services import contact_create
from crm.core.audit import SYSTEM
from crm.core.errors import PermissionDenied
from crm.core.models import AuditEntry
from crm.imports.models import ImportBatch, ImportProblem, ImportStatus, ImportTouch
from crm.imports.readers import UnreadableFile
from crm.imports.services import import_file, import_undo

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db


def _import(actor, name, **options):
    return import_file(actor=actor, data=(SAMPLES / name).read_bytes(), file_name=name, **options)


def _csv(actor, text, **options):
    return import_file(actor=actor, data=text.encode("utf-8"), file_name="list.csv", **options)


def _live():
    return Contact.objects.filter(deleted_at=None)


def test_a_google_export_creates_its_people_and_reports_every_refused_row(admin):
    report = _import(admin, "google_contacts.csv")
    assert report.counts() == {"created": 15, "updated": 0, "attached": 0, "skipped": 1, "rejected": 1}
    assert _live().count() == 15
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created, batch.rejected, batch.rows_total) == (ImportStatus.DONE, 15, 1, 20)
    assert (
        AuditEntry.objects.filter(batch=batch.pk, object_type="contacts.contact", action="create").count()
        == 15
    )
    assert ImportTouch.objects.filter(batch=batch, action="created").count() == 15
    refused = ImportProblem.objects.get(rejected=True)
    assert refused.row == 11
    assert "noreply" in refused.message or "служебный" in refused.message
    semenov = _live().get(last_name="Семёнов")
    assert sorted(semenov.phones.values_list("number", flat=True)) == ["+79035550202", "+79035552222"]
    assert semenov.owner == admin


def test_importing_the_same_file_again_skips_every_person_already_in_the_base(admin):
    _import(admin, "google_contacts.csv")
    again = _import(admin, "google_contacts.csv")
    assert again.counts() == {"created": 0, "updated": 0, "attached": 0, "skipped": 16, "rejected": 1}
    assert _live().count() == 15


def test_a_test_run_reports_the_same_and_stores_nothing(admin):
    report = _import(admin, "amocrm_contacts.csv", dry_run=True)
    assert report.counts() == {"created": 9, "updated": 0, "attached": 0, "skipped": 0, "rejected": 1}
    assert (Contact.objects.count(), Company.objects.count(), ImportBatch.objects.count()) == (0, 0, 0)
    assert AuditEntry.objects.count() == 0
    first_rows = _import(admin, "amocrm_contacts.csv", dry_run=True, first_rows=3)
    assert first_rows.created == 3


def test_amocrm_companies_are_created_and_people_linked_to_them_by_name(admin):
    report = _import(admin, "amocrm_contacts.csv")
    assert report.counts() == {"created": 9, "updated": 0, "attached": 0, "skipped": 0, "rejected": 1}
    assert sorted(Company.objects.values_list("name", flat=True)) == [
        "ИП Гусейнов Р.А.",
        "ООО «Вектор»",
        "ООО «СтройМонтаж»",
    ]
    ivanova = _live().get(last_name="Иванова")
    assert ivanova.employments.get().company.name == "ООО «СтройМонтаж»"
    assert sorted(ivanova.tags.values_list("name", flat=True)) == ["vip", "Стройка"]


def test_update_fills_empty_fields_and_undo_gives_the_card_back(admin):
    card = contact_create(
        actor=admin,
        data=ContactInput(last_name="Орлов", first_name="Сергей", phones=[PhoneInput("+7 843 555-11-11")]),
        source=SYSTEM,
    )
    report = _csv(
        admin,
        "Фамилия;Имя;Телефон;E-mail;Город\nОрлов;Сергей;8 843 555 11 11;s.orlov@orlov.example;Казань\n"
        "Новиков;Пётр;+7 912 000-00-01;;Пермь\n",
        on_duplicate="fill",
    )
    assert report.counts() == {"created": 1, "updated": 1, "attached": 0, "skipped": 0, "rejected": 0}
    card.refresh_from_db()
    assert card.city == "Казань"
    assert list(card.emails.values_list("address", flat=True)) == ["s.orlov@orlov.example"]
    batch = report.batch
    assert AuditEntry.objects.filter(batch=batch.pk, object_id=card.pk, action="update").exists()

    import_undo(actor=admin, batch_id=batch.pk)
    card.refresh_from_db()
    assert (card.city, card.emails.count(), card.phones.count()) == ("", 0, 1)
    assert _live().filter(last_name="Новиков").count() == 0
    assert Contact.objects.filter(last_name="Новиков").exclude(deleted_at=None).count() == 1  # in the trash
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UNDONE


def test_fill_keeps_a_filled_field_and_overwrite_replaces_it(admin):
    card = contact_create(
        actor=admin,
        data=ContactInput(last_name="Орлов", city="Самара", emails=[EmailInput("s@orlov.example")]),
        source=SYSTEM,
    )
    _csv(admin, "Фамилия,E-mail,Город\nОрлов,s@orlov.example,Казань\n", on_duplicate="fill")
    card.refresh_from_db()
    assert card.city == "Самара"
    _csv(admin, "Фамилия,E-mail,Город\nОрлов,s@orlov.example,Казань\n", on_duplicate="overwrite")
    card.refresh_from_db()
    assert card.city == "Казань"


def test_attach_adds_a_note_to_the_card_and_undo_removes_it(admin):
    card = contact_create(
        actor=admin,
        data=ContactInput(last_name="Орлов", emails=[EmailInput("s@orlov.example")]),
        source=SYSTEM,
    )
    report = _csv(admin, "Фамилия,E-mail,Город\nОрлов,s@orlov.example,Казань\n", on_duplicate="attach")
    assert report.attached == 1
    note = Entry.objects.get(contact=card, deleted_at=None)
    assert "list.csv" in note.summary
    assert "s@orlov.example" in note.summary
    card.refresh_from_db()
    assert card.city == ""  # attaching changes no field
    import_undo(actor=admin, batch_id=report.batch.pk)
    assert not Entry.objects.filter(contact=card, deleted_at=None).exists()


def test_an_import_gives_the_cards_and_journal_that_typing_the_rows_by_hand_gives(admin):
    text = (
        "ФИО;Телефон;E-mail;Компания;Должность\n"
        "Иванова Ольга Сергеевна;8 916 555 01 01;o@ivanova.example;ООО «Ромашка»;Бухгалтер\n"
    )
    before_import = transaction.savepoint()
    _csv(admin, text)
    imported = _live().get()
    fields = ("last_name", "first_name", "middle_name", "owner_id", "completeness")
    by_import = [getattr(imported, f) for f in fields] + [imported.employments.get().position]
    journal_import = AuditEntry.objects.get(object_id=imported.pk, object_type="contacts.contact").changes
    transaction.savepoint_rollback(before_import)

    by_hand = contact_create(
        actor=admin,
        data=ContactInput(
            last_name="Иванова",
            first_name="Ольга",
            middle_name="Сергеевна",
            phones=[PhoneInput("8 916 555 01 01", is_primary=True)],
            emails=[EmailInput("o@ivanova.example", is_primary=True)],
            company_name="ООО «Ромашка»",
            position="Бухгалтер",
        ),
        source=SYSTEM,
    )
    assert [getattr(by_hand, f) for f in fields] + [by_hand.employments.get().position] == by_import
    journal_hand = (
        AuditEntry.objects.filter(object_id=by_hand.pk, object_type="contacts.contact").get().changes
    )
    assert journal_hand == journal_import


def test_a_file_that_cannot_be_read_stores_nothing(admin):
    with pytest.raises(UnreadableFile):
        _csv(admin, "")
    assert ImportBatch.objects.count() == 0


def test_only_a_role_with_the_import_right_may_import(manager_a, head_a):
    with pytest.raises(PermissionDenied):
        _csv(manager_a, "Фамилия\nОрлов\n")
    assert _csv(head_a, "Фамилия\nОрлов\n").created == 1


def test_an_owner_named_in_the_file_gets_the_card_and_an_unknown_one_is_reported(admin, head_a):
    head_a.first_name, head_a.last_name = "Анна", "Головина"
    head_a.save()
    report = _csv(admin, "Фамилия,Ответственный\nОрлов,Анна Головина\nЛебедев,Никто Неизвестный\n")
    assert _live().get(last_name="Орлов").owner == head_a
    assert _live().get(last_name="Лебедев").owner == admin
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (2, "Ответственный", "Никто Неизвестный")
    ]


def test_the_command_line_prints_the_counts_first_then_each_refused_row(admin, capsys):
    call_command("crm_import", str(SAMPLES / "hubspot.csv"))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "created 10 · updated 0 · attached 0 · skipped 0 · rejected 1"
    assert len(lines) == 2
    assert lines[1].startswith("11: ")


def test_the_command_line_exits_2_when_the_file_cannot_be_read(admin, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(SystemExit) as exit_:
        call_command("crm_import", str(junk))
    assert exit_.value.code == 2


def test_a_family_phone_in_the_file_keeps_two_people_two_cards_marked_shared(admin):
    report = _csv(
        admin,
        "Фамилия,Имя,Телефон,Email\n"
        "Иванов,Пётр,+7 912 000-11-22,dom@ivanovy.ru\n"
        "Иванова,Мария,8 912 000 11 22,dom@ivanovy.ru\n"
        "Иванов,Петя,+79120001122,\n",
    )
    assert report.counts() == {"created": 2, "updated": 0, "attached": 0, "skipped": 0, "rejected": 0}
    petr, maria = _live().get(first_name="Пётр"), _live().get(first_name="Мария")
    assert [(p.number, p.is_shared) for p in petr.phones.all()] == [("+79120001122", False)]
    assert [(p.number, p.is_shared) for p in maria.phones.all()] == [("+79120001122", True)]
    assert [e.address for e in petr.emails.all()] == ["dom@ivanovy.ru"]
    assert not maria.emails.exists()
    assert sorted(p.row for p in report.problems) == [2, 2]  # each left-out value reported on its row


def test_a_phone_on_a_card_of_someone_else_by_name_becomes_a_new_card_marked_shared(admin):
    petr = contact_create(
        actor=admin,
        data=ContactInput(last_name="Иванов", first_name="Пётр", phones=[PhoneInput("+79120001122")]),
        source=SYSTEM,
    )
    report = _csv(admin, "Фамилия,Имя,Телефон\nИванова,Мария,+79120001122\nИванов,Пётр,+79120001122\n")
    assert report.counts() == {"created": 1, "updated": 0, "attached": 0, "skipped": 1, "rejected": 0}
    maria = _live().get(first_name="Мария")
    assert [(p.number, p.is_shared) for p in maria.phones.all()] == [("+79120001122", True)]
    assert [(p.number, p.is_shared) for p in petr.phones.all()] == [("+79120001122", False)]
    assert "Иванов Пётр" in " ".join(p.message for p in report.problems if p.row == 2)


def test_a_value_the_card_refuses_is_left_out_and_the_row_still_imported(admin):
    report = _csv(admin, "Фамилия,Имя,Телефон,День рождения\nКомаров,Сергей,+79334797476,18.06.2090\n")
    assert report.counts() == {"created": 1, "updated": 0, "attached": 0, "skipped": 0, "rejected": 0}
    card = _live().get(last_name="Комаров")
    assert (card.birth_day, card.birth_month, card.birth_year) == (None, None, None)
    assert [(p.row, p.rejected) for p in report.problems] == [(1, False)]
    assert "birthday" in report.problems[0].message


def test_a_company_row_is_the_company_with_its_inn_whatever_its_name(admin):
    from crm.contacts.testing import make_company

    romashka = make_company(admin, name="ООО Ромашка", inn="7707083893", kpp="770701001")
    namesake = make_company(admin, name="Лютик", inn="500100732259")
    report = _csv(
        admin,
        "Компания,ИНН,КПП,Город\n"
        "Romashka LLC,7707083893,,Москва\n"  # the same company, by its INN
        "Ромашка (филиал),7707083893,770702002,Тверь\n"  # a branch: the same INN, another KPP
        "Лютик,7736050003,,Пермь\n",  # the same name, another INN: another company
        on_duplicate="fill",
    )
    assert report.counts() == {"created": 2, "updated": 1, "attached": 0, "skipped": 0, "rejected": 0}
    romashka.refresh_from_db()
    assert (romashka.name, romashka.city) == ("ООО Ромашка", "Москва")
    assert Company.objects.filter(inn="7707083893").count() == 2
    assert Company.objects.filter(name="Лютик").count() == 2
    namesake.refresh_from_db()
    assert namesake.city == ""


def test_a_company_row_is_the_company_holding_its_office_line(admin):
    """A company's lines are checked like a person's: the row updates the company, never a second card."""
    from crm.contacts.testing import make_company

    romashka = make_company(admin, name="ООО Ромашка", phone="+74951234567")
    text = "Компания,Телефон,Город\nRomashka Group,8 495 123-45-67,Москва\n"
    report = _csv(admin, text, on_duplicate="fill")
    assert report.counts() == {"created": 0, "updated": 1, "attached": 0, "skipped": 0, "rejected": 0}
    romashka.refresh_from_db()
    assert (romashka.name, romashka.city, [p.number for p in romashka.phones.all()]) == (
        "ООО Ромашка",
        "Москва",
        ["+74951234567"],
    )
    assert Company.objects.count() == 1
    assert _csv(admin, text, on_duplicate="fill").counts()["skipped"] == 1  # nothing new the second time


def test_a_row_with_a_company_and_only_its_role_mailbox_is_the_company(admin):
    """«Лютик, info@lyutik.ru» names no one: it is the company and its mailbox, found on the company that
    holds it. A personal address without a name is still a person at that company."""
    from crm.contacts.testing import make_company

    lyutik = make_company(admin, name="ООО Лютик", email="info@lyutik.ru")
    report = _csv(
        admin,
        "Компания,E-mail,Город\nLyutik Ltd,INFO@lyutik.ru,Пермь\nВасилёк,sales@vasilek.ru,Тула\n"
        "Ромашка,anna.petrova@romashka.ru,Тверь\n",
        on_duplicate="fill",
    )
    assert report.counts() == {"created": 2, "updated": 1, "attached": 0, "skipped": 0, "rejected": 0}
    lyutik.refresh_from_db()
    assert (lyutik.name, lyutik.city) == ("ООО Лютик", "Пермь")
    vasilek = Company.objects.get(name="Василёк")
    assert [e.address for e in vasilek.emails.all()] == ["sales@vasilek.ru"]
    person = _live().get()
    assert [e.address for e in person.emails.all()] == ["anna.petrova@romashka.ru"]
    assert [e.company.name for e in person.employments.all()] == ["Ромашка"]


def test_a_companys_main_phone_on_peoples_rows_goes_to_their_company_not_to_them(admin):
    """Outlook's "Company Main Phone" is the switchboard: on every employee's row, it is the company's
    line, so the employees are neither refused nor merged for sharing it."""
    report = _csv(
        admin,
        "First Name,Last Name,Mobile Phone,Company,Company Main Phone\n"
        "Пётр,Орлов,+79160001111,ООО Ромашка,+7 495 123-45-67\n"
        "Анна,Соколова,+79160002222,ООО Ромашка,8 (495) 123-45-67\n",
    )
    assert report.counts() == {"created": 2, "updated": 0, "attached": 0, "skipped": 0, "rejected": 0}
    romashka = Company.objects.get()
    assert [(p.number, p.kind) for p in romashka.phones.all()] == [("+74951234567", "work")]
    for last_name, mobile in (("Орлов", "+79160001111"), ("Соколова", "+79160002222")):
        person = _live().get(last_name=last_name)
        assert [p.number for p in person.phones.all()] == [mobile]
        assert [e.company_id for e in person.employments.all()] == [romashka.pk]


def test_a_persons_company_given_with_its_inn_is_the_company_holding_it(admin):
    from crm.contacts.testing import make_company

    romashka = make_company(admin, name="ООО Ромашка", inn="7707083893")
    report = _csv(
        admin,
        "Фамилия,Телефон,Компания,ИНН,КПП\n"
        "Орлов,+79160001111,Romashka LLC,7707 083 893,\n"  # the company in the base, by its INN
        "Соколов,+79160002222,Лютик,7736050003,773601001\n",  # a new company, with its INN and KPP
    )
    assert report.counts() == {"created": 2, "updated": 0, "attached": 0, "skipped": 0, "rejected": 0}
    orlov = _live().get(last_name="Орлов")
    assert [e.company_id for e in orlov.employments.all()] == [romashka.pk]
    assert not Company.objects.filter(name="Romashka LLC").exists()
    lyutik = Company.objects.get(name="Лютик")
    assert (lyutik.inn, lyutik.kpp) == ("7736050003", "773601001")
    assert [e.company_id for e in _live().get(last_name="Соколов").employments.all()] == [lyutik.pk]


def test_a_company_rows_invalid_inn_is_left_out_and_the_company_kept(admin):
    report = _csv(admin, "Компания,ИНН,Город\nВасилёк,1234567890,Тула\n")
    assert report.counts()["created"] == 1
    company = Company.objects.get(name="Василёк")
    assert (company.inn, company.city) == ("", "Тула")
    assert [(p.rejected, "inn" in p.message) for p in report.problems] == [(False, True)]


def test_a_person_at_two_companies_is_linked_to_both_the_first_the_main_one(admin):
    _import(admin, "hubspot.csv")
    maria = _live().get(emails__address="m.kuznetsova@vektor.example")
    assert [(e.company.name, e.is_primary) for e in maria.employments.order_by("-is_primary", "pk")] == [
        ("Vektor LLC", True),
        ("Vektor Group", False),
    ]
    assert not Company.objects.filter(name__contains=";").exists()
    entry = AuditEntry.objects.filter(object_id=maria.pk, action="update").get()
    assert entry.changes["company"] == ["Vektor LLC", "Vektor LLC; Vektor Group"]


def test_undo_also_trashes_the_companies_its_people_rows_created(admin):
    from crm.contacts.testing import make_company

    existing = make_company(admin, name="Старая фирма")
    report = _csv(
        admin, "Фамилия,Телефон,Компания\nОрлов,+79160001111,Новая фирма; Вторая фирма; Старая фирма\n"
    )
    assert Company.objects.filter(deleted_at=None).count() == 3
    import_undo(actor=admin, batch_id=report.batch.pk)
    assert list(Company.objects.filter(deleted_at=None).values_list("name", flat=True)) == ["Старая фирма"]
    assert existing.employments.count() == 1  # the trashed person keeps the link, and comes back with it


def test_importing_the_same_people_again_with_fill_changes_nothing_and_says_so(admin):
    text = "Фамилия,Мобильный,Компания,Должность\nОрлов,8 (916) 000-11-11,Ромашка,Инженер\n"
    _csv(admin, text)
    again = _csv(admin, text.replace("8 (916) 000-11-11", "+7 916 000 11 11"), on_duplicate="fill")
    assert again.counts() == {"created": 0, "updated": 0, "attached": 0, "skipped": 1, "rejected": 0}
    card = _live().get()
    assert [p.number for p in card.phones.all()] == ["+79160001111"]
    assert [(e.company.name, e.position) for e in card.employments.all()] == [("Ромашка", "Инженер")]
    assert not ImportTouch.objects.filter(action="updated").exists()


def test_a_re_import_that_changes_many_cards_writes_them_together_not_one_by_one(admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def second_import(rows, first):
        lines = [f"Фамилия{first + i};+7 915 {first + i:03d}-00-00" for i in range(rows)]
        _csv(admin, "Фамилия;Телефон\n" + "\n".join(lines))
        changed = "\n".join(f"{line};Тверь" for line in lines)
        with CaptureQueriesContext(connection) as queries:
            report = _csv(admin, "Фамилия;Телефон;Город\n" + changed, on_duplicate="fill")
        assert report.counts() == {"created": 0, "updated": rows, "attached": 0, "skipped": 0, "rejected": 0}
        return len(queries)

    few, many = second_import(3, 100), second_import(30, 200)
    assert many <= few + 5  # the chunk's cards are changed together: no query per card
    assert _live().filter(city="Тверь").count() == 33
    batch = ImportBatch.objects.order_by("-created_at").first()
    assert AuditEntry.objects.filter(batch=batch.pk, action="update").count() == 30


def test_attaching_many_rows_writes_their_notes_together_not_one_by_one(admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def attach(rows, first):
        lines = [f"Фамилия{first + i};+7 915 {first + i:03d}-00-00" for i in range(rows)]
        _csv(admin, "Фамилия;Телефон\n" + "\n".join(lines))
        with CaptureQueriesContext(connection) as queries:
            report = _csv(admin, "Фамилия;Телефон\n" + "\n".join(lines), on_duplicate="attach")
        assert report.counts() == {"created": 0, "updated": 0, "attached": rows, "skipped": 0, "rejected": 0}
        return report, len(queries)

    (_few, few), (report, many) = attach(3, 100), attach(30, 200)
    assert many <= few + 5  # one statement per table for the chunk's notes: no query per row
    notes = Entry.objects.filter(contact__last_name__startswith="Фамилия2", deleted_at=None)
    assert notes.count() == 30
    assert AuditEntry.objects.filter(batch=report.batch.pk, object_type="activities.entry").count() == 30
    assert (
        ImportTouch.objects.filter(batch=report.batch, action="attached", entry_id__isnull=False).count()
        == 30
    )
    import_undo(actor=admin, batch_id=report.batch.pk)
    assert not notes.exists()


def test_undoing_an_import_that_changed_many_cards_gives_them_back_together(admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def undo(rows, first):
        lines = [f"Фамилия{first + i};+7 915 {first + i:03d}-00-00" for i in range(rows)]
        _csv(admin, "Фамилия;Телефон\n" + "\n".join(lines))
        changed = _csv(
            admin, "Фамилия;Телефон;Город\n" + "\n".join(f"{x};Тверь" for x in lines), on_duplicate="fill"
        )
        attached = _csv(admin, "Фамилия;Телефон\n" + "\n".join(lines), on_duplicate="attach")
        with CaptureQueriesContext(connection) as queries:
            import_undo(actor=admin, batch_id=changed.batch.pk)
            import_undo(actor=admin, batch_id=attached.batch.pk)
        return changed, len(queries)

    (_few_batch, few), (batch, many) = undo(3, 100), undo(30, 200)
    assert many <= few + 10  # the cards and the notes of a chunk together: no query per row
    assert not _live().filter(city="Тверь").exists()
    assert not Entry.objects.filter(contact__last_name__startswith="Фамилия", deleted_at=None).exists()
    assert (
        AuditEntry.objects.filter(batch=batch.batch.pk, action="update").count() == 60
    )  # the import's and the undo's
