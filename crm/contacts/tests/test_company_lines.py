"""A company's phones and e-mails are rows of their own, like a person's (R7.1): several, each with its
kind, checked against the other companies, and a number marked shared is never a reason to refuse."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from crm.contacts.inputs import CompanyInput, CompanyPhoneInput, EmailInput, company_input_of
from crm.contacts.models import Company, CompanyEmail, CompanyPhone
from crm.contacts.selectors import global_search
from crm.contacts.services import company_create, company_update
from crm.contacts.testing import make_company
from crm.core.audit import SYSTEM
from crm.core.errors import DuplicateFound, ValidationFailed
from crm.core.models import AuditEntry


def _lines(company):
    return (
        [(p.number, p.extension, p.kind, p.is_primary, p.is_shared) for p in company.phones.all()],
        [(e.address, e.kind, e.is_primary) for e in company.emails.all()],
    )


def test_a_company_keeps_several_phones_and_emails_with_their_kinds(manager_a):
    company = company_create(
        actor=manager_a,
        data=CompanyInput(
            name="ООО Ромашка",
            phones=[
                CompanyPhoneInput("8 (495) 123-45-67 доб. 12"),
                CompanyPhoneInput("+7 495 765-43-21", kind="fax"),
            ],
            emails=[EmailInput("Info@Romashka.RU"), EmailInput("buh@romashka.ru", kind="other")],
        ),
        source=SYSTEM,
    )
    assert _lines(company) == (
        [("+74951234567", "12", "work", True, False), ("+74957654321", "", "fax", False, False)],
        [("info@romashka.ru", "work", True), ("buh@romashka.ru", "other", False)],
    )
    entry = AuditEntry.objects.get(object_type="contacts.company")
    assert entry.changes["phone"][1] == ["+74951234567;ext=12 [work] *", "+74957654321 [fax]"]
    assert entry.changes["email"][1] == ["info@romashka.ru [work] *", "buh@romashka.ru [other]"]


def test_another_companys_phone_is_refused_naming_the_company_and_the_row(manager_a):
    make_company(manager_a, name="ООО Ромашка", phone="+74951234567")
    with pytest.raises(DuplicateFound) as exc:
        make_company(manager_a, name="ООО Лютик", phone="8 495 123 45 67")
    assert [(e.field, e.code) for e in exc.value.errors] == [("phones.0", "duplicate")]
    assert "Ромашка" in str(exc.value.errors[0].message)
    assert [m.pk for m in exc.value.matches] == [Company.objects.get(name="ООО Ромашка").pk]
    assert list(Company.objects.values_list("name", flat=True)) == ["ООО Ромашка"]
    assert CompanyPhone.objects.count() == 1


def test_another_companys_email_is_refused(manager_a):
    make_company(manager_a, name="ООО Ромашка", email="info@romashka.ru")
    with pytest.raises(DuplicateFound) as exc:
        make_company(manager_a, name="ООО Лютик", email="INFO@romashka.ru")
    assert [(e.field, e.code) for e in exc.value.errors] == [("emails.0", "duplicate")]
    assert Company.objects.count() == 1


def test_a_phone_marked_shared_on_either_side_is_no_reason_to_refuse(manager_a):
    """A business centre's switchboard answers for every tenant."""
    make_company(manager_a, name="БЦ Северный")
    centre = Company.objects.get()
    company_update(
        actor=manager_a,
        company_id=centre.pk,
        data=CompanyInput(name="БЦ Северный", phones=[CompanyPhoneInput("+74951110000", shared=True)]),
        source=SYSTEM,
    )
    tenant = make_company(manager_a, name="ООО Арендатор", phone="+74951110000")
    assert _lines(tenant)[0] == [("+74951110000", "", "work", True, False)]
    with pytest.raises(DuplicateFound):  # the tenant did not mark it shared: on its card it is its own
        make_company(manager_a, name="ООО Второй арендатор", phone="+74951110000")
    shared = company_create(
        actor=manager_a,
        data=CompanyInput(name="ООО Третий", phones=[CompanyPhoneInput("+74951110000", shared=True)]),
        source=SYSTEM,
    )
    assert _lines(shared)[0] == [("+74951110000", "", "work", True, True)]


def test_a_person_holding_the_office_number_is_no_duplicate_of_the_company(manager_a):
    from crm.contacts.testing import make_contact

    make_contact(manager_a, last_name="Секретарь", phone="+74951234567")
    company = make_company(manager_a, name="ООО Ромашка", phone="+74951234567")
    assert company.phones.get().number == "+74951234567"


def test_a_company_may_keep_its_own_phone_when_edited(manager_a):
    company = make_company(manager_a, name="ООО Ромашка", phone="+74951234567", email="info@romashka.ru")
    data = company_input_of(
        {
            "name": "ООО Ромашка плюс",
            "phones": [{"value": "+7 495 123-45-67"}],
            "emails": [{"value": "info@romashka.ru"}],
        }
    )
    company_update(actor=manager_a, company_id=company.pk, data=data, source=SYSTEM)
    company.refresh_from_db()
    assert company.name == "ООО Ромашка плюс"
    assert _lines(company)[0] == [("+74951234567", "", "work", True, False)]


def test_a_bad_phone_names_its_row_and_stores_nothing(manager_a):
    with pytest.raises(ValidationFailed) as exc:
        company_create(
            actor=manager_a,
            data=CompanyInput(
                name="ООО Ромашка", phones=[CompanyPhoneInput("+74951234567"), CompanyPhoneInput("12")]
            ),
            source=SYSTEM,
        )
    assert [e.field for e in exc.value.errors] == ["phones.1"]
    assert (Company.objects.count(), CompanyPhone.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)


def test_an_input_kept_before_lines_were_rows_comes_back_with_them():
    """An import's undo keeps a company's previous values as JSON; one kept before this change has one
    phone and one e-mail."""
    data = company_input_of({"name": "ООО Ромашка", "phone": "+74951234567", "email": "info@romashka.ru"})
    assert [(p.value, p.kind, p.is_primary) for p in data.phones] == [("+74951234567", "work", True)]
    assert [e.value for e in data.emails] == ["info@romashka.ru"]


def test_global_search_finds_a_company_by_its_phone_and_its_email(manager_a):
    company = make_company(manager_a, name="ООО Ромашка", phone="+74951234567", email="info@romashka.ru")
    for query in ("8 495 123-45-67", "1234567", "info@romashka"):
        assert [(h.kind, h.pk) for h in global_search(user=manager_a, query=query)] == [
            ("company", company.pk)
        ]


def test_the_migration_moves_each_companys_phone_and_email_into_rows(manager_a):
    """Migration 0016 copies the single phone and e-mail columns into the new rows (run here on a table
    that still has them)."""
    migration = importlib.import_module("crm.contacts.migrations.0016_company_phones_and_emails")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE contacts_company_old"
            " (id integer, phone varchar(20), phone_ext varchar(10), email varchar(254))"
        )
    make_company(manager_a, name="С телефоном")
    make_company(manager_a, name="Без всего")
    a, b = Company.objects.order_by("pk").values_list("pk", flat=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO contacts_company_old VALUES"
                " (%s, '+74951234567', '12', 'info@romashka.ru'), (%s, '', '', '')",
                [a, b],
            )

        editor = SimpleNamespace(connection=connection)
        migration.move_company_lines(None, editor, table="contacts_company_old")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE contacts_company_old")
    assert list(
        CompanyPhone.objects.values_list("company_id", "number", "extension", "tail", "kind", "is_primary")
    ) == [(a, "+74951234567", "12", "1234567", "work", True)]
    assert list(CompanyEmail.objects.values_list("company_id", "address", "is_primary")) == [
        (a, "info@romashka.ru", True)
    ]
