"""company_create / company_update: checksummed INN, one card per INN."""

import pytest

from crm.contacts.inputs import CompanyInput
from crm.contacts.models import Company
from crm.contacts.services import company_create, company_delete, company_restore
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import DuplicateFound, ValidationFailed

VALID_INN = "7707083893"  # Sberbank
VALID_OGRN = "1027700132195"


def test_company_with_valid_requisites_is_created(manager_a):
    company = make_company(manager_a, inn=VALID_INN, kpp="773601001", ogrn=VALID_OGRN, website="sberbank.ru")
    assert (company.inn, company.kpp, company.ogrn, company.website) == (
        VALID_INN,
        "773601001",
        VALID_OGRN,
        "https://sberbank.ru",
    )


@pytest.mark.parametrize(
    ("field", "value"), [("inn", "7707083894"), ("kpp", "77360100"), ("ogrn", "1027700132196")]
)
def test_bad_requisite_is_refused_naming_the_field(manager_a, field, value):
    with pytest.raises(ValidationFailed) as exc:
        company_create(actor=manager_a, data=CompanyInput(name="ООО Тест", **{field: value}), source=SYSTEM)
    assert [e.field for e in exc.value.errors] == [field]
    assert Company.objects.count() == 0


def test_company_without_a_name_is_refused(manager_a):
    with pytest.raises(ValidationFailed) as exc:
        company_create(actor=manager_a, data=CompanyInput(inn=VALID_INN), source=SYSTEM)
    assert [e.field for e in exc.value.errors] == ["name"]


def test_second_company_with_the_same_inn_is_a_duplicate(manager_a):
    first = make_company(manager_a, inn=VALID_INN)
    with pytest.raises(DuplicateFound) as exc:
        make_company(manager_a, name="Сбер", inn=VALID_INN)
    assert [(m.kind, m.pk, m.field, m.value) for m in exc.value.matches] == [
        ("company", first.pk, "inn", VALID_INN)
    ]
    assert [(e.field, e.code, str(e.message)) for e in exc.value.errors] == [
        ("inn", "duplicate", f"Уже есть в карточке «{first}».")
    ]


def test_a_company_changed_but_keeping_its_inn_is_not_its_own_duplicate(manager_a):
    from crm.contacts.services import company_update

    company = make_company(manager_a, inn=VALID_INN)
    data = CompanyInput(name=company.name, inn=VALID_INN, city="Тула", owner_id=manager_a.pk)
    assert company_update(actor=manager_a, company_id=company.pk, data=data, source=SYSTEM).city == "Тула"


def test_branch_with_the_same_inn_and_another_kpp_is_allowed(manager_a):
    make_company(manager_a, inn=VALID_INN, kpp="773601001")
    branch = make_company(manager_a, name="Сбер, филиал", inn=VALID_INN, kpp="540602001")
    assert branch.kpp == "540602001"


def test_trashed_company_comes_back_with_its_people(manager_a):
    company = make_company(manager_a)
    person = make_contact(manager_a, company_id=company.pk, position="Директор")
    company_delete(actor=manager_a, company_id=company.pk, source=SYSTEM)
    company_restore(actor=manager_a, company_id=company.pk, source=SYSTEM)
    assert list(company.employments.values_list("contact_id", "position")) == [(person.pk, "Директор")]
