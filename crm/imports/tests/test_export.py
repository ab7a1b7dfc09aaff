"""Exporting a list: the cards the user sees, with the list's filters, the fields their role may see, in
CSV (UTF-8 with a BOM, Windows-1251), XLSX or vCard 4.0; formula-like text neutralised; journaled."""

import io

import openpyxl
import pytest
from django.core.files.storage import default_storage

from crm.accounts.models import Role
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import PermissionDenied
from crm.core.models import AuditEntry
from crm.fields import services as field_services
from crm.imports.models import ExportJob, ImportStatus
from crm.imports.readers import read
from crm.imports.services import export_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(head_a, manager_a, manager_b):
    return {
        "own": make_contact(
            head_a, last_name="Главов", phone="+79160000011", email="glav@example.ru", city="Казань"
        ),
        "dept": make_contact(manager_a, last_name="Отделов", phone="+79160000012", city="Пермь"),
        "formula": make_contact(manager_a, last_name="=HYPERLINK(1)", phone="+79160000013"),
        "other": make_contact(manager_b, last_name="Чужов", phone="+79160000014"),
    }


def _export(actor, fmt, query="", capture=None):
    with capture(execute=True):
        job = export_start(actor=actor, file_format=fmt, query=query)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    with default_storage.open(job.file.name, "rb") as handle:
        return job, handle.read()


def test_a_csv_export_holds_the_cards_the_user_sees_and_is_journaled(
    cards, head_a, django_capture_on_commit_callbacks
):
    job, data = _export(head_a, "csv", capture=django_capture_on_commit_callbacks)
    text = data.decode("utf-8")
    assert text.startswith("\ufeffФамилия;")
    assert "Главов" in text
    assert "Отделов" in text
    assert "Чужов" not in text  # another department's card
    assert "8 (916) 000-00-11" in text
    assert "'=Hyperlink(1)" in text  # a spreadsheet shows it, never runs it
    assert job.rows_done == 3
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor, entry.changes["rows"]) == (head_a, [None, 3])


def test_an_export_keeps_the_lists_filters(cards, head_a, django_capture_on_commit_callbacks):
    _job, data = _export(head_a, "csv", "city=Казань", capture=django_capture_on_commit_callbacks)
    table = read(data, "x.csv")
    assert [r.cells["Фамилия"] for r in table.rows] == ["Главов"]


def test_a_field_hidden_from_the_role_is_not_exported(
    cards, admin, head_a, django_capture_on_commit_callbacks
):
    field_services.field_access_set(
        actor=admin,
        kind="contact",
        key="city",
        levels={Role.objects.get(code="head").pk: "hidden"},
        source=SYSTEM,
    )
    _job, data = _export(head_a, "csv", capture=django_capture_on_commit_callbacks)
    text = data.decode("utf-8")
    assert "Город" not in text
    assert "Казань" not in text
    _job, full = _export(admin, "csv", capture=django_capture_on_commit_callbacks)
    assert "Казань" in full.decode("utf-8")


def test_windows_1251_csv_opens_in_russian_excel(cards, head_a, django_capture_on_commit_callbacks):
    _job, data = _export(head_a, "csv1251", capture=django_capture_on_commit_callbacks)
    assert data.decode("cp1251").startswith("Фамилия;")


def test_xlsx_export_neutralises_formulas(cards, head_a, django_capture_on_commit_callbacks):
    _job, data = _export(head_a, "xlsx", capture=django_capture_on_commit_callbacks)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == "Фамилия"
    assert "'=Hyperlink(1)" in values  # names are stored title-cased
    assert sheet.max_row == 4


def test_vcard_export_reads_back_as_the_same_people(cards, head_a, django_capture_on_commit_callbacks):
    _job, data = _export(head_a, "vcf", capture=django_capture_on_commit_callbacks)
    text = data.decode("utf-8")
    assert text.count("BEGIN:VCARD") == 3
    assert "VERSION:4.0" in text
    table = read(data, "x.vcf")
    glavov = next(r for r in table.rows if r.cells.get("n.family") == "Главов")
    assert glavov.cells["tel.1"] == "tel:+79160000011"
    assert glavov.cells["email.1"] == "glav@example.ru"


def test_a_role_without_the_export_right_cannot_export(cards, manager_a):
    with pytest.raises(PermissionDenied):
        export_start(actor=manager_a, file_format="csv")
    assert ExportJob.objects.count() == 0


@pytest.fixture
def firms(head_a, manager_a, manager_b):
    from crm.contacts.testing import make_company

    return {
        "own": make_company(head_a, name="Ромашка", inn="7707083893", phone="+74951234567", city="Казань"),
        "dept": make_company(manager_a, name="=cmd|' /C calc'!A0", city="Пермь"),
        "other": make_company(manager_b, name="Чужая фирма"),
    }


def _export_companies(actor, fmt, capture, query=""):
    with capture(execute=True):
        job = export_start(actor=actor, file_format=fmt, query=query, kind="company")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    with default_storage.open(job.file.name, "rb") as handle:
        return job, handle.read()


def test_a_company_list_exports_the_companies_the_user_sees_with_its_filters(
    firms, head_a, django_capture_on_commit_callbacks
):
    job, data = _export_companies(head_a, "csv", django_capture_on_commit_callbacks)
    table = read(data, "x.csv")
    assert sorted(r.cells["Название"] for r in table.rows) == ["'=cmd|' /C calc'!A0", "Ромашка"]
    romashka = next(r for r in table.rows if r.cells["Название"] == "Ромашка")
    assert (romashka.cells["ИНН"], romashka.cells["Телефоны"]) == ("7707083893", "8 (495) 123-45-67")
    assert job.rows_done == 2
    assert AuditEntry.objects.get(action="export").changes["rows"] == [None, 2]
    _job, filtered = _export_companies(head_a, "xlsx", django_capture_on_commit_callbacks, "city=Казань")
    sheet = openpyxl.load_workbook(io.BytesIO(filtered)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Название", "Ромашка"]


def test_a_company_vcard_is_an_organisation(firms, head_a, django_capture_on_commit_callbacks):
    _job, data = _export_companies(head_a, "vcf", django_capture_on_commit_callbacks)
    text = data.decode("utf-8")
    assert text.count("BEGIN:VCARD") == 2
    assert "KIND:org" in text
    assert "ORG:Ромашка" in text


def test_a_company_field_hidden_from_the_role_is_not_exported(
    firms, admin, head_a, django_capture_on_commit_callbacks
):
    field_services.field_access_set(
        actor=admin,
        kind="company",
        key="inn",
        levels={Role.objects.get(code="head").pk: "hidden"},
        source=SYSTEM,
    )
    _job, data = _export_companies(head_a, "csv", django_capture_on_commit_callbacks)
    assert "7707083893" not in data.decode("utf-8")
    assert "ИНН" not in data.decode("utf-8")


def test_an_unknown_kind_of_list_is_refused(head_a):
    from crm.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        export_start(actor=head_a, file_format="csv", kind="task")
    assert ExportJob.objects.count() == 0


def test_the_company_list_offers_export_to_a_role_with_the_right(client, firms, head_a, manager_a):
    from django.urls import reverse

    client.force_login(head_a)
    page = client.get(reverse("contacts:company_list")).content.decode()
    assert 'data-testid="export-form"' in page
    assert 'name="kind" value="company"' in page
    client.force_login(manager_a)
    assert 'data-testid="export-form"' not in client.get(reverse("contacts:company_list")).content.decode()


def test_the_command_line_exports_a_list_with_its_filters_to_a_file(cards, head_a, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    target = tmp_path / "kazan.csv"
    call_command(
        "crm_export", "--as", head_a.username, "--format", "csv", "--filter", "city=Казань", "-o", str(target)
    )
    assert capsys.readouterr().out.strip() == f"exported 1 contacts to {target}"
    assert [r.cells["Фамилия"] for r in read(target.read_bytes(), "x.csv").rows] == ["Главов"]
    assert AuditEntry.objects.filter(action="export", actor=head_a).count() == 1
    with pytest.raises(CommandError, match="no active user"):
        call_command("crm_export", "--as", "nobody")


def test_the_command_line_refuses_a_user_without_the_export_right(cards, manager_a):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("crm_export", "--as", manager_a.username)
    assert ExportJob.objects.count() == 0
