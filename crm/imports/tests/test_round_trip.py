"""A list exported for Russian Excel and imported back gives the same cards: amounts and user fields
included (Windows-1251 has no rouble sign; a user field names its user, and an import reads the name)."""

import csv
import io

import pytest
from django.core.files.storage import default_storage

from crm.contacts.inputs import ContactInput
from crm.contacts.kinds import PhoneInput
from crm.contacts.models import Contact
from crm.contacts.services import contact_create
from crm.core.audit import SYSTEM
from crm.fields import services as field_services
from crm.fields.models import FieldType
from crm.fields.services import FieldInput
from crm.imports.models import ImportProblem
from crm.imports.services import export_start, import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(admin, manager_a):
    manager_a.first_name, manager_a.last_name = "Анна", "Кураторова"
    manager_a.save()
    for key, field_type in (("budget", FieldType.MONEY), ("curator", FieldType.USER)):
        field_services.field_save(
            actor=admin,
            kind="contact",
            data=FieldInput(key=key, field_type=field_type, label_ru=key),
            source=SYSTEM,
        )
    custom = {"budget": "3 015 000,50", "curator": str(manager_a.pk)}
    for i in range(3):
        data = ContactInput(last_name=f"Круг{i}", phones=[PhoneInput(f"+7 916 400-00-0{i}")], custom=custom)
        contact_create(actor=admin, data=data, source=SYSTEM)


def test_an_export_for_russian_excel_imports_back_with_its_amounts_and_user_fields(
    cards, admin, manager_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_start(actor=admin, file_format="csv1251")
    job.refresh_from_db()
    with default_storage.open(job.file.name, "rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("cp1251")), delimiter=";"))
    header, first = rows[0], rows[1]
    assert first[header.index("budget")] == "3\xa0015\xa0000,50 руб."
    assert first[header.index("curator")] == "Анна Кураторова"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for row in rows[1:]:
        row[header.index("Город")] = "Тверь"
        writer.writerow(row)

    report = import_file(
        actor=admin, data=out.getvalue().encode("cp1251"), file_name="back.csv", on_duplicate="overwrite"
    )
    assert report.counts() == {"created": 0, "updated": 3, "attached": 0, "skipped": 0, "rejected": 0}
    assert not ImportProblem.objects.filter(rejected=True).exists()
    for card in Contact.objects.all():
        assert (card.city, card.custom["budget"], card.custom["curator"]) == (
            "Тверь",
            301500050,
            manager_a.pk,
        )


def test_a_user_field_given_by_a_name_no_user_has_is_left_out_and_noted(cards, admin, manager_a):
    text = "Фамилия;Телефон;curator\nКруг0;+7 916 400-00-00;Никто Неизвестный\nНовый;+7 916 400-00-09;#%d\n"
    report = import_file(
        actor=admin, data=(text % manager_a.pk).encode(), file_name="users.csv", on_duplicate="overwrite"
    )
    assert report.counts() == {"created": 1, "updated": 0, "attached": 0, "skipped": 1, "rejected": 0}
    noted = ImportProblem.objects.get(value="Никто Неизвестный")
    assert (noted.column, noted.rejected) == ("curator", False)
    assert Contact.objects.get(last_name="Круг0").custom["curator"] == manager_a.pk  # kept as it was
    assert Contact.objects.get(last_name="Новый").custom["curator"] == manager_a.pk
