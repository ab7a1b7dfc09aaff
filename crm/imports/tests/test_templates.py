"""A column mapping saved by name: applied by choice, by itself to a file with the same columns, and by
``crm import --template NAME``; journaled, replaced by name, refused with a clear message when wrong."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from crm.contacts.models import Contact
from crm.core.errors import PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.imports.models import ImportBatch, ImportTemplate
from crm.imports.services import (
    import_configure,
    import_upload,
    template_apply,
    template_delete,
    template_save,
    template_save_from,
)

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
CSV = "Фамилия;Имя;Мобильный;Почта;Заметка\nЗайцев;Юрий;+7 912 000-11-22;z@ex.ru;из выставки\n"


def _upload(actor, text=CSV, name="list.csv"):
    return import_upload(actor=actor, data=text.encode("utf-8"), file_name=name)


def test_a_saved_template_maps_a_file_with_the_same_columns_at_once(admin):
    batch = _upload(admin)
    assert batch.mapping["Заметка"] == "notes"
    import_configure(actor=admin, batch_id=batch.pk, mapping={"Заметка": ""}, on_duplicate="fill")
    template_save_from(actor=admin, batch_id=batch.pk, name="  Выставка  2026 ")

    again = _upload(admin)
    assert again.template_name == "Выставка 2026"
    assert again.mapping["Заметка"] == ""
    assert again.on_duplicate == "fill"
    assert again.mapping["Фамилия"] == "last_name"
    other = _upload(admin, "Фамилия;Телефон;Город\nИванов;+79120001122;Пермь\n")
    assert other.template_name == ""
    assert other.on_duplicate == "skip"


def test_a_template_applied_by_choice_maps_the_columns_it_names_and_leaves_the_rest(admin):
    template = template_save(
        actor=admin, name="Без почты", mapping={"Почта": "", "Лишняя": "city"}, on_duplicate="overwrite"
    )
    batch = _upload(admin)
    batch = template_apply(actor=admin, batch_id=batch.pk, template_id=template.pk)
    assert batch.mapping["Почта"] == ""
    assert batch.mapping["Фамилия"] == "last_name"
    assert "Лишняя" not in batch.mapping
    assert (batch.template_name, batch.on_duplicate) == ("Без почты", "overwrite")


def test_saving_a_name_again_replaces_the_template_and_the_journal_keeps_both(admin):
    first = template_save(actor=admin, name="amo", mapping={"Имя": "first_name"}, on_duplicate="skip")
    second = template_save(actor=admin, name="amo", mapping={"Имя": "last_name"}, on_duplicate="fill")
    assert first.pk == second.pk
    assert ImportTemplate.objects.count() == 1
    entries = AuditEntry.objects.filter(object_type="imports.importtemplate").order_by("pk")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["mapping"] == [{"Имя": "first_name"}, {"Имя": "last_name"}]
    template_delete(actor=admin, template_id=second.pk)
    assert not ImportTemplate.objects.exists()
    assert AuditEntry.objects.filter(object_type="imports.importtemplate", action="purge").count() == 1


@pytest.mark.parametrize(
    ("name", "mapping", "on_duplicate", "field"),
    [
        ("   ", {}, "skip", "template_name"),
        ("x" * 101, {}, "skip", "template_name"),
        ("ok", {"A": "password"}, "skip", "mapping"),
        ("ok", {}, "merge-all", "on_duplicate"),
    ],
)
def test_a_bad_template_is_refused_naming_the_field_and_nothing_is_stored(
    admin, name, mapping, on_duplicate, field
):
    with pytest.raises(ValidationFailed) as refused:
        template_save(actor=admin, name=name, mapping=mapping, on_duplicate=on_duplicate)
    assert [e.field for e in refused.value.errors] == [field]
    assert not ImportTemplate.objects.exists()
    assert not AuditEntry.objects.exists()


def test_only_a_role_with_the_import_right_may_save_or_delete_a_template(admin, manager_a):
    with pytest.raises(PermissionDenied):
        template_save(actor=manager_a, name="x", mapping={}, on_duplicate="skip")
    template = template_save(actor=admin, name="x", mapping={}, on_duplicate="skip")
    with pytest.raises(PermissionDenied):
        template_delete(actor=manager_a, template_id=template.pk)
    assert ImportTemplate.objects.count() == 1


def test_the_command_line_imports_by_a_template_named(admin, capsys, tmp_path):
    template_save(actor=admin, name="Без почты", mapping={"Почта": ""}, on_duplicate="skip")
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("crm_import", str(path), "--template", "Без почты")
    assert capsys.readouterr().out.splitlines()[0].startswith("created 1 ·")
    card = Contact.objects.get(last_name="Зайцев")
    assert not card.emails.exists()
    assert card.phones.count() == 1
    with pytest.raises(CommandError, match="no template 'Нет такого'"):
        call_command("crm_import", str(path), "--template", "Нет такого")


def test_the_wizard_saves_applies_and_deletes_a_template(client, admin):
    client.force_login(admin)
    client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("a.csv", CSV.encode())})
    batch = ImportBatch.objects.get()
    headers = CSV.splitlines()[0].split(";")  # the form names each column's header
    columns = {f"col-{i}": batch.mapping[h] for i, h in enumerate(headers)}
    columns |= {f"header-{i}": h for i, h in enumerate(headers)}
    response = client.post(
        reverse("imports:configure", args=[batch.pk]),
        {**columns, "col-4": "", "on_duplicate": "skip", "template_name": "Выставки", "save_template": "1"},
    )
    assert response.status_code == 302
    page = client.get(reverse("imports:batch_detail", args=[batch.pk])).content.decode()
    assert "Выставки" in page
    assert 'data-testid="template-applied"' in page
    template = ImportTemplate.objects.get(name="Выставки")
    assert template.mapping["Заметка"] == ""

    client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("b.csv", CSV.encode())})
    second = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert second.template_name == "Выставки"
    assert second.mapping["Заметка"] == ""
    client.post(
        reverse("imports:configure", args=[second.pk]),
        {"template": "999999", "apply_template": "1", "on_duplicate": "skip"},
    )
    assert (
        "Выберите сохранённый шаблон"
        in client.get(reverse("imports:batch_detail", args=[second.pk])).content.decode()
    )

    listed = client.get(reverse("imports:batch_list")).content.decode()
    assert 'data-testid="template-list"' in listed
    assert "Выставки" in listed
    assert client.post(reverse("imports:template_delete", args=[template.pk])).status_code == 302
    assert not ImportTemplate.objects.exists()
    assert client.post(reverse("imports:template_delete", args=[template.pk])).status_code == 404
