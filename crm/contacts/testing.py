"""Helpers for tests: contacts and companies made the way the product makes them, through services."""

from crm.contacts.inputs import CompanyInput, CompanyPhoneInput, ContactInput, EmailInput, PhoneInput
from crm.contacts.services import company_create, contact_create
from crm.core.audit import SYSTEM


def make_contact(owner, last_name="Иванов", first_name="Иван", phone="", email="", **extra):
    data = ContactInput(
        last_name=last_name,
        first_name=first_name,
        owner_id=owner.pk,
        phones=[PhoneInput(value=phone)] if phone else [],
        emails=[EmailInput(value=email)] if email else [],
        **extra,
    )
    return contact_create(actor=owner, data=data, source=SYSTEM)


def make_company(owner, name="ООО Ромашка", phone="", email="", **extra):
    data = CompanyInput(
        name=name,
        owner_id=owner.pk,
        phones=[CompanyPhoneInput(value=phone)] if phone else [],
        emails=[EmailInput(value=email)] if email else [],
        **extra,
    )
    return company_create(actor=owner, data=data, source=SYSTEM)
