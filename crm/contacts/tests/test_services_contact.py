"""contact_create / contact_update / trash: the one write path for contacts."""

import datetime

import pytest
from django.utils import timezone

from crm.contacts.inputs import ContactInput, EmailInput, PhoneInput
from crm.contacts.models import Contact, ContactPhone, ContactStatus, StatusChange
from crm.contacts.services import (
    contact_comment,
    contact_create,
    contact_delete,
    contact_restore,
    contact_update,
    trash_purge_expired,
)
from crm.contacts.testing import make_contact
from crm.core.audit import ChangeSource
from crm.core.errors import DuplicateFound, NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry

UI = ChangeSource(channel="ui", ip="10.1.2.3")


def test_contact_create_normalises_phone_email_and_name(manager_a):
    data = ContactInput(
        last_name="  ИВАНОВА ",
        first_name="ольга",
        phones=[PhoneInput(value="8 (912) 345-67-89")],
        emails=[EmailInput(value="  Olga.Ivanova@Mail.RU ")],
    )
    contact = contact_create(actor=manager_a, data=data, source=UI)
    assert (contact.last_name, contact.first_name) == ("Иванова", "Ольга")
    assert list(contact.phones.values_list("number", "extension", "tail", "is_primary")) == [
        ("+79123456789", "", "3456789", True)
    ]
    assert list(contact.emails.values_list("address", flat=True)) == ["olga.ivanova@mail.ru"]
    assert contact.owner == manager_a
    assert contact.department_id == manager_a.department_id


def test_contact_create_writes_one_journal_entry_with_source_and_ip(manager_a):
    contact = make_contact(manager_a, phone="+79120000001")
    contact_update(
        actor=manager_a,
        contact_id=contact.pk,
        data=ContactInput(last_name="Петров", first_name="Иван", phones=[PhoneInput(value="+79120000001")]),
        source=UI,
    )
    entries = list(
        AuditEntry.objects.filter(object_type="contacts.contact", object_id=contact.pk).order_by("id")
    )
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes == {"last_name": ["Иванов", "Петров"]}
    assert (entries[1].channel, entries[1].ip, entries[1].actor) == ("ui", "10.1.2.3", manager_a)


def test_update_without_changes_writes_no_journal_entry(manager_a):
    contact = make_contact(manager_a, phone="+79120000002")
    data = ContactInput(last_name="Иванов", first_name="Иван", phones=[PhoneInput(value="8 912 000-00-02")])
    contact_update(actor=manager_a, contact_id=contact.pk, data=data, source=UI)
    assert AuditEntry.objects.filter(object_id=contact.pk, object_type="contacts.contact").count() == 1


def test_bad_phone_is_refused_naming_the_field_and_nothing_is_stored(manager_a):
    data = ContactInput(
        last_name="Иванов", phones=[PhoneInput(value="12345")], emails=[EmailInput(value="a@b.ru")]
    )
    with pytest.raises(ValidationFailed) as exc:
        contact_create(actor=manager_a, data=data, source=UI)
    assert [e.field for e in exc.value.errors] == ["phones.0"]
    assert Contact.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_bad_email_and_birthday_are_both_reported(manager_a):
    data = ContactInput(last_name="Иванов", emails=[EmailInput(value="olga@yandex")], birthday="31.02.1990")
    with pytest.raises(ValidationFailed) as exc:
        contact_create(actor=manager_a, data=data, source=UI)
    assert sorted(e.field for e in exc.value.errors) == ["birthday", "emails.0"]
    assert Contact.objects.count() == 0


def test_a_card_needs_a_name_phone_or_email(manager_a):
    with pytest.raises(ValidationFailed) as exc:
        contact_create(actor=manager_a, data=ContactInput(city="Москва"), source=UI)
    assert [(e.field, e.code) for e in exc.value.errors] == [("last_name", "no_identity")]


def test_phone_already_on_a_card_is_refused_with_that_card(manager_a):
    existing = make_contact(manager_a, phone="+79123456789")
    data = ContactInput(last_name="Другой", phones=[PhoneInput(value="8-912-345-67-89")])
    with pytest.raises(DuplicateFound) as exc:
        contact_create(actor=manager_a, data=data, source=UI)
    assert [(m.kind, m.pk, m.field, m.value, m.visible) for m in exc.value.matches] == [
        ("contact", existing.pk, "phones.0", "+79123456789", True)
    ]
    assert [(e.field, str(e.message)) for e in exc.value.errors] == [
        ("phones.0", f"Уже есть в карточке «{existing}».")
    ]
    assert Contact.objects.count() == 1


def test_email_on_another_managers_card_is_refused_without_revealing_it(manager_a, manager_b):
    make_contact(manager_b, email="client@firm.ru")
    with pytest.raises(DuplicateFound) as exc:
        make_contact(manager_a, email="CLIENT@firm.ru")
    assert [(m.field, m.visible, m.owner_name) for m in exc.value.matches] == [
        ("emails.0", False, str(manager_b))
    ]


def test_same_office_line_with_another_extension_is_not_a_duplicate(manager_a):
    make_contact(manager_a, last_name="Иванова", phone="+7 495 555-20-00 доб. 134")
    other = make_contact(manager_a, last_name="Лапин", phone="+7 495 555-20-00 доб. 121")
    assert other.phones.get().extension == "121"
    assert Contact.objects.count() == 2


def test_the_same_number_written_twice_is_one_phone(manager_a):
    data = ContactInput(
        last_name="Иванов", phones=[PhoneInput(value="89123456789"), PhoneInput(value="+7 912 345 67 89")]
    )
    contact = contact_create(actor=manager_a, data=data, source=UI)
    assert contact.phones.count() == 1


def test_verification_is_recorded_with_when_and_by_whom_and_kept_on_later_edits(manager_a):
    data = ContactInput(last_name="Иванов", phones=[PhoneInput(value="+79120000003", verification="call")])
    contact = contact_create(actor=manager_a, data=data, source=UI)
    phone = contact.phones.get()
    assert (phone.verification_method, phone.verified_by) == ("call", manager_a)
    first_verified_at = phone.verified_at
    data.city = "Москва"
    contact_update(actor=manager_a, contact_id=contact.pk, data=data, source=UI)
    assert ContactPhone.objects.get(contact=contact).verified_at == first_verified_at


def test_status_changes_keep_their_history(manager_a):
    first, second = ContactStatus.objects.order_by("order")[:2]
    contact = make_contact(manager_a, status_id=first.pk)
    data = ContactInput(last_name="Иванов", first_name="Иван", status_id=second.pk)
    contact_update(actor=manager_a, contact_id=contact.pk, data=data, source=UI)
    history = list(
        StatusChange.objects.filter(contact=contact).order_by("id").values_list("from_status", "to_status")
    )
    assert history == [(None, first.pk), (first.pk, second.pk)]
    contact.refresh_from_db()
    assert contact.status_id == second.pk
    assert contact.status_changed_at is not None


def test_manager_cannot_assign_a_card_to_another_department(manager_a, manager_b):
    with pytest.raises(ValidationFailed) as exc:
        contact_create(
            actor=manager_a, data=ContactInput(last_name="Иванов", owner_id=manager_b.pk), source=UI
        )
    assert [e.field for e in exc.value.errors] == ["owner_id"]


def test_head_can_assign_within_department(head_a, manager_a):
    contact = contact_create(
        actor=head_a, data=ContactInput(last_name="Иванов", owner_id=manager_a.pk), source=UI
    )
    assert contact.owner == manager_a


def test_manager_cannot_edit_another_managers_card(manager_a, manager_a2):
    contact = make_contact(manager_a2)
    with pytest.raises(NotFound):
        contact_update(actor=manager_a, contact_id=contact.pk, data=ContactInput(last_name="X"), source=UI)
    assert Contact.objects.get(pk=contact.pk).last_name == "Иванов"


def test_support_may_edit_but_not_delete(support, manager_a):
    contact = make_contact(manager_a)
    with pytest.raises(PermissionDenied):
        contact_delete(actor=support, contact_id=contact.pk, source=UI)
    assert Contact.objects.get(pk=contact.pk).deleted_at is None


def test_delete_moves_to_trash_and_restore_brings_everything_back(manager_a):
    contact = make_contact(manager_a, phone="+79120000004", email="a@firm.ru", tags=["VIP"])
    contact_comment(actor=manager_a, contact_id=contact.pk, text="Позвонить в понедельник", source=UI)
    contact_delete(actor=manager_a, contact_id=contact.pk, source=UI)
    trashed = Contact.objects.get(pk=contact.pk)
    assert trashed.deleted_at is not None
    assert trashed.deleted_by == manager_a
    contact_restore(actor=manager_a, contact_id=contact.pk, source=UI)
    restored = Contact.objects.get(pk=contact.pk)
    assert restored.deleted_at is None
    assert restored.phones.count() == 1
    assert restored.emails.count() == 1
    assert restored.comments.count() == 1
    assert [t.name for t in restored.tags.all()] == ["VIP"]
    actions = list(
        AuditEntry.objects.filter(object_id=contact.pk, object_type="contacts.contact")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete", "restore"]


def test_a_trashed_card_still_blocks_its_phone_and_says_so(manager_a):
    contact = make_contact(manager_a, phone="+79120000005")
    contact_delete(actor=manager_a, contact_id=contact.pk, source=UI)
    with pytest.raises(DuplicateFound) as exc:
        make_contact(manager_a, last_name="Новый", phone="+79120000005")
    assert exc.value.matches[0].in_trash is True


def test_purge_removes_only_expired_trash_and_journals_it(manager_a, settings):
    settings.CRM_TRASH_RETENTION_DAYS = 90
    old = make_contact(manager_a, last_name="Старый", phone="+79120000006")
    recent = make_contact(manager_a, last_name="Свежий", phone="+79120000007")
    kept = make_contact(manager_a, last_name="Живой")
    for contact in (old, recent):
        contact_delete(actor=manager_a, contact_id=contact.pk, source=UI)
    Contact.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - datetime.timedelta(days=91))
    assert trash_purge_expired() == 1
    assert set(Contact.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    purge = AuditEntry.objects.get(action="purge")
    assert (purge.object_id, purge.channel, purge.changes["last_name"]) == (
        old.pk,
        "system",
        ["Старый", None],
    )


def test_the_nightly_job_purges_expired_trash(manager_a, settings):
    from crm.contacts.jobs import purge_trash

    contact = make_contact(manager_a, phone="+79120000008")
    contact_delete(actor=manager_a, contact_id=contact.pk, source=UI)
    Contact.objects.filter(pk=contact.pk).update(deleted_at=timezone.now() - datetime.timedelta(days=400))
    purge_trash.call_local()
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_a_typed_new_company_is_created_and_linked_with_the_position(manager_a):
    from crm.contacts.models import Company

    contact = make_contact(manager_a, company_name="  Вектор  Плюс ", position="Директор")
    company = Company.objects.get()
    assert (company.name, company.owner) == ("Вектор Плюс", manager_a)
    assert list(contact.employments.values_list("company_id", "position")) == [(company.pk, "Директор")]
    assert AuditEntry.objects.filter(object_type="contacts.company", action="create").count() == 1


def test_a_typed_existing_company_is_reused_not_duplicated(manager_a):
    from crm.contacts.models import Company
    from crm.contacts.testing import make_company

    existing = make_company(manager_a, name="Вектор Плюс")
    make_contact(manager_a, company_name="вектор плюс")
    assert list(Company.objects.values_list("pk", flat=True)) == [existing.pk]


def test_a_role_without_company_rights_must_choose_an_existing_company(support):
    from crm.contacts.models import Company

    with pytest.raises(ValidationFailed) as exc:
        contact_create(actor=support, data=ContactInput(last_name="Иванов", company_name="Новая"), source=UI)
    assert [e.field for e in exc.value.errors] == ["company_id"]
    assert (Contact.objects.count(), Company.objects.count()) == (0, 0)


def test_clearing_the_company_removes_the_link(manager_a):
    contact = make_contact(manager_a, company_name="Вектор")
    data = ContactInput(last_name="Иванов", first_name="Иван")
    contact_update(actor=manager_a, contact_id=contact.pk, data=data, source=UI)
    assert contact.employments.count() == 0


def test_a_phone_marked_shared_is_no_reason_to_refuse_a_card(manager_a):
    """An office switchboard or a family phone is several people's (R7.1): marked shared on either card,
    it lets both hold it; unmarked, it still refuses."""
    from crm.contacts.inputs import ContactInput
    from crm.contacts.kinds import PhoneInput
    from crm.contacts.services import contact_create
    from crm.core.audit import SYSTEM
    from crm.core.errors import DuplicateFound

    office = "+7 495 555-20-00"
    first = contact_create(
        actor=manager_a,
        data=ContactInput(last_name="Лапин", phones=[PhoneInput(office, kind="work", shared=True)]),
        source=SYSTEM,
    )
    second = contact_create(
        actor=manager_a, data=ContactInput(last_name="Иванова", phones=[PhoneInput(office)]), source=SYSTEM
    )
    assert first.phones.get().is_shared
    assert not second.phones.get().is_shared
    third = ContactInput(last_name="Смирнов", phones=[PhoneInput(office)])
    with pytest.raises(DuplicateFound):  # the second card holds it unmarked: a third is refused
        contact_create(actor=manager_a, data=third, source=SYSTEM)
