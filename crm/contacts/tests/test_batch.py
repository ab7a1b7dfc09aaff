"""One write path, batch-shaped (decision 0006): a single create is a batch of one through the same stages,
so a batch of rows and the same rows written one by one give the same cards, the same journal and the same
errors — duplicates between rows of one batch included — and a batch costs a handful of queries per chunk,
not per row."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from crm.contacts.inputs import ContactInput, EmailInput, PhoneInput
from crm.contacts.models import Company, Contact, ContactPhone, Employment, Tag
from crm.contacts.services import contact_create, contacts_create
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import ValidationFailed
from crm.core.models import AuditEntry


def _rows(owner_id: int) -> list[ContactInput]:
    """Good rows, a bad phone, a phone already in the base, and two rows sharing one e-mail."""
    return [
        ContactInput(
            last_name="Первый",
            phones=[PhoneInput("+7 912 100-00-01"), PhoneInput("8 (495) 100-00-02 доб. 5", kind="work")],
            emails=[EmailInput("First@Example.RU")],
            company_name="ООО Пакет",
            position="Директор",
            tags=["vip", "Новый тег"],
            owner_id=owner_id,
        ),
        ContactInput(last_name="Плохой", phones=[PhoneInput("12345")]),
        ContactInput(last_name="Занятой", phones=[PhoneInput("+7 912 999-99-99")]),
        ContactInput(first_name="Второй", emails=[EmailInput("shared@example.ru")], company_name="ООО Пакет"),
        ContactInput(first_name="Третий", emails=[EmailInput("SHARED@example.ru")], tags=["VIP"]),
        ContactInput(last_name="Статусный", status_id=1, city="москва", birthday="01.02.1990"),
    ]


def _one_by_one(actor, rows):
    results = []
    for data in rows:
        try:
            results.append(("ok", contact_create(actor=actor, data=data, source=SYSTEM)))
        except ValidationFailed as exc:
            results.append(("refused", [(e.field, e.code) for e in exc.errors]))
    return results


def _state():
    """Everything the writes left, without ids: cards with their rows, and the journal's changes."""
    cards = []
    for c in Contact.objects.order_by("pk").prefetch_related(
        "phones", "emails", "tags", "employments__company"
    ):
        cards.append(
            (
                c.last_name,
                c.first_name,
                c.city,
                c.birthday_display,
                c.status_id,
                c.owner_id,
                c.department_id,
                c.completeness,
                [(p.number, p.extension, p.kind, p.is_primary, p.tail) for p in c.phones.all()],
                [(e.address, e.is_primary) for e in c.emails.all()],
                sorted(t.name for t in c.tags.all()),
                [(e.company.name, e.position) for e in c.employments.all()],
            )
        )
    journal = [
        (e.action, e.object_type, e.object_repr, e.changes)
        for e in AuditEntry.objects.filter(object_type__startswith="contacts.").order_by("pk")
    ]
    return cards, journal, sorted(Tag.objects.values_list("name", flat=True)), Company.objects.count()


@pytest.fixture
def taken(manager_a):
    return make_contact(manager_a, last_name="Старожил", phone="+79129999999")


def test_a_batch_and_the_same_rows_one_by_one_leave_the_same_cards_journal_and_errors(
    manager_a, taken, django_db_blocker
):
    rows = _rows(manager_a.pk)
    batch = contacts_create(actor=manager_a, rows=rows, source=SYSTEM)
    in_batch = [
        ("ok", row.card) if row.ok else ("refused", [(e.field, e.code) for e in row.errors])
        for row in batch.rows
    ]
    after_batch = _state()
    assert AuditEntry.objects.filter(batch=batch.id).count() == 4  # three cards and the new company

    # The same rows one by one, on the same base: wipe what the batch wrote, keep the card that was there.
    Contact.objects.exclude(pk=taken.pk).delete()
    Company.objects.all().delete()
    Tag.objects.all().delete()
    AuditEntry.objects.exclude(object_id=taken.pk, object_type="contacts.contact").delete()
    single = _one_by_one(manager_a, rows)
    after_single = _state()

    assert (
        [kind for kind, _ in in_batch]
        == [kind for kind, _ in single]
        == ["ok", "refused", "refused", "ok", "refused", "ok"]
    )
    assert [v for k, v in in_batch if k == "refused"] == [v for k, v in single if k == "refused"]
    assert after_batch == after_single


def test_a_duplicate_between_rows_of_one_batch_names_the_earlier_rows_card(manager_a):
    batch = contacts_create(
        actor=manager_a,
        rows=[
            ContactInput(last_name="Раньше", phones=[PhoneInput("+7 912 555-00-11")]),
            ContactInput(last_name="Позже", phones=[PhoneInput("8 912 555 00 11")]),
        ],
        source=SYSTEM,
    )
    first, second = batch.rows
    assert first.ok
    assert not second.ok
    assert [(e.field, e.code) for e in second.errors] == [("phones.0", "duplicate")]
    assert second.matches[0].pk == first.card.pk
    assert "Раньше" in str(second.errors[0].message)
    assert ContactPhone.objects.filter(number="+79125550011").count() == 1


def test_a_batch_writes_in_a_fixed_number_of_queries_whatever_its_size(manager_a):
    company = make_company(manager_a, name="ООО Опора")

    def rows(count: int, offset: int) -> list[ContactInput]:
        return [
            ContactInput(
                last_name=f"Пакетный {i}",
                phones=[
                    PhoneInput(f"+7 913 {offset + i:03d}-00-01"),
                    PhoneInput(f"+7 913 {offset + i:03d}-00-02"),
                ],
                emails=[EmailInput(f"row{offset + i}@example.ru")],
                company_id=company.pk,
                tags=["опт", f"тег{i % 3}"],
            )
            for i in range(count)
        ]

    contacts_create(actor=manager_a, rows=rows(3, 500), source=SYSTEM)  # the tags exist from here on
    with CaptureQueriesContext(connection) as ten:
        contacts_create(actor=manager_a, rows=rows(10, 0), source=SYSTEM)
    with CaptureQueriesContext(connection) as hundred:
        contacts_create(actor=manager_a, rows=rows(100, 200), source=SYSTEM)
    assert len(hundred) == len(ten), "\n".join(q["sql"][:150] for q in hundred.captured_queries)
    assert Employment.objects.filter(company=company).count() == 113


def test_a_single_create_costs_no_more_queries_than_before_the_batch_path(manager_a):
    """Before the staged path this card (two phones, an e-mail, a company, an existing and a new tag, a
    status) cost 39 queries and a card with one phone 23 (measured on the commit before issue 12)."""
    company = make_company(manager_a, name="ООО Один")
    make_contact(manager_a, last_name="Разогрев", tags=["vip"])  # tags and caches exist, as in real use
    data = ContactInput(
        last_name="Одиночка",
        phones=[PhoneInput("+7 912 300-00-01"), PhoneInput("+7 495 300-00-02", kind="work")],
        emails=[EmailInput("one@example.ru")],
        company_id=company.pk,
        tags=["vip", "новый"],
        status_id=1,
    )
    with CaptureQueriesContext(connection) as queries:
        contact_create(actor=manager_a, data=data, source=SYSTEM)
    assert len(queries) <= 22, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as simple:
        contact_create(
            actor=manager_a, data=ContactInput(phones=[PhoneInput("+7 912 300-00-09")]), source=SYSTEM
        )
    assert len(simple) <= 13, "\n".join(q["sql"][:120] for q in simple.captured_queries)


def test_an_update_costs_no_more_queries_than_before_the_batch_path(manager_a):
    """49 queries before the staged path for this change of city and status (the commit before issue 12)."""
    from crm.contacts.inputs import contact_input_from
    from crm.contacts.services import contact_update

    company = make_company(manager_a, name="ООО Один")
    data = ContactInput(
        last_name="Одиночка",
        phones=[PhoneInput("+7 912 300-00-01"), PhoneInput("+7 495 300-00-02", kind="work")],
        emails=[EmailInput("one@example.ru")],
        company_id=company.pk,
        tags=["vip", "новый"],
        status_id=1,
    )
    card = contact_create(actor=manager_a, data=data, source=SYSTEM)
    change = contact_input_from(Contact.objects.get(pk=card.pk))
    change.city, change.status_id = "Казань", 2
    with CaptureQueriesContext(connection) as queries:
        contact_update(actor=manager_a, contact_id=card.pk, data=change, source=SYSTEM)
    assert len(queries) <= 48


def test_custom_values_of_every_kind_are_journaled_alike_in_a_batch_and_alone(manager_a, admin):
    from crm.fields import services as field_services
    from crm.fields.models import FieldType
    from crm.fields.services import FieldInput

    lst = field_services.choice_list_save(actor=admin, key="grade", name_ru="Грейд", source=SYSTEM)
    option = field_services.option_save(actor=admin, list_id=lst.pk, label_ru="Золото", source=SYSTEM)
    for key, field_type, extra in (
        ("grade", FieldType.CHOICE, {"choice_list_id": lst.pk}),
        ("paid", FieldType.BOOLEAN, {}),
        ("budget", FieldType.MONEY, {}),
        ("curator", FieldType.USER, {}),
        ("renewal", FieldType.DATE, {}),
    ):
        field_services.field_save(
            actor=admin,
            kind="contact",
            data=FieldInput(key=key, field_type=field_type, label_ru=key, **extra),
            source=SYSTEM,
        )
    custom = {
        "grade": str(option.pk),
        "paid": "да",
        "budget": "1 234,50",
        "curator": str(manager_a.pk),
        "renewal": "01.03.2027",
    }
    batch = contacts_create(
        actor=manager_a, rows=[ContactInput(last_name="Пакет", custom=custom)], source=SYSTEM
    )
    single = contact_create(
        actor=manager_a, data=ContactInput(last_name="Один", custom=custom), source=SYSTEM
    )
    journal = {
        e.object_id: {k: v for k, v in e.changes.items() if k.startswith("custom.")}
        for e in AuditEntry.objects.filter(object_type="contacts.contact")
    }
    assert journal[batch.rows[0].card.pk] == journal[single.pk]
    assert journal[single.pk]["custom.grade"] == [None, "Золото"]
    assert journal[single.pk]["custom.curator"] == [None, str(manager_a)]


def test_a_chunk_with_thousands_of_values_is_written_within_the_servers_lock_table(manager_a):
    """An import chunk may hold more phones and e-mails than PostgreSQL's shared lock table has room for
    (about max_locks_per_transaction × connections, 6,400 by default): a lock per value failed such a chunk
    with "out of shared memory"; past a few values the writer takes one exclusive lock instead."""
    rows = [
        ContactInput(
            last_name=f"Многономерный {i}",
            phones=[PhoneInput(f"+7 916 {i:03d}-{k:02d}-00") for k in range(20)],
            emails=[EmailInput(f"many.{i}.{k}@example.ru") for k in range(10)],
        )
        for i in range(600)
    ]

    result = contacts_create(actor=manager_a, rows=rows, source=SYSTEM)

    assert [row.errors for row in result.rows if not row.ok] == []
    assert Contact.objects.count() == 600
    assert ContactPhone.objects.count() == 12000


@pytest.mark.django_db(transaction=True)
def test_a_batch_leaves_the_databases_checkpointing_as_it_found_it(manager_a):
    """SQLite checkpoints a batch's log every few chunks, not after each commit (bulk.checkpoints_every),
    then gives the connection back its automatic checkpoints."""
    rows = [ContactInput(last_name=f"Пакетный {i}") for i in range(3)]
    contacts_create(actor=manager_a, rows=rows, source=SYSTEM)
    assert Contact.objects.count() == 3
    assert not connection.in_atomic_block  # the batch committed its chunks itself
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 1000


def test_the_batch_writes_messengers_and_verification_stamps_and_names_bad_references(manager_a, admin):
    """What the mutation run found the batch tests never looked at: messengers written by the batch path,
    an e-mail's verification stamp, and the errors of an inactive status or an unseen company."""
    from crm.contacts.inputs import MessengerInput
    from crm.contacts.models import ContactMessenger, ContactStatus

    hidden = make_company(admin, name="ООО Чужая")
    inactive = ContactStatus.objects.create(name="Снятый статус", is_active=False)
    rows = [
        ContactInput(
            last_name="Мессенджеров",
            emails=[EmailInput("checked@example.ru", verification="reply")],
            messengers=[MessengerInput(kind="telegram", handle="@messengerov")],
        ),
        ContactInput(last_name="Статусов", status_id=inactive.pk),
        ContactInput(last_name="Компаниев", company_id=hidden.pk),
    ]
    result = contacts_create(actor=manager_a, rows=rows, source=SYSTEM)

    written, status_row, company_row = result.rows
    assert list(ContactMessenger.objects.filter(contact=written.card).values_list("kind", "handle")) == [
        ("telegram", "@messengerov")
    ]
    email = written.card.emails.get()
    assert (email.verification_method, email.verified_by_id) == ("reply", manager_a.pk)
    assert email.verified_at is not None
    assert [(e.field, e.code) for e in status_row.errors] == [("status_id", "invalid_choice")]
    assert [(e.field, e.code) for e in company_row.errors] == [("company_id", "invalid_company")]
    assert Contact.objects.count() == 1


def test_many_cards_go_to_the_trash_at_once_only_those_the_actor_may_delete(
    manager_a, manager_b, head_a, django_assert_max_num_queries
):
    from crm.contacts.services import contacts_delete

    own = [make_contact(manager_a, last_name=f"Свой{i}", phone=f"+7916000{i:04d}") for i in range(5)]
    other = make_contact(manager_b, last_name="Чужой", phone="+79161110000")
    batch = uuid.uuid4()
    with django_assert_max_num_queries(12):  # a chunk: a few queries, not a few per card
        moved = contacts_delete(
            actor=head_a, contact_ids=[c.pk for c in own] + [other.pk, 10**9], source=SYSTEM, batch=batch
        )
    assert moved == 5
    assert Contact.objects.filter(deleted_at=None).count() == 1
    assert Contact._base_manager.get(pk=other.pk).deleted_at is None  # another department's card
    entries = AuditEntry.objects.filter(action="delete", batch=batch)
    assert sorted(e.object_id for e in entries) == sorted(c.pk for c in own)
    assert all(e.actor == head_a for e in entries)
    assert contacts_delete(actor=manager_a, contact_ids=[other.pk], source=SYSTEM) == 0
    assert Contact._base_manager.get(pk=other.pk).deleted_at is None


def _changes(manager_a, manager_b):
    """Four cards of manager_a's and their changes: a city and a status, a phone and tags, a new company
    typed by name, a phone held by another card (refused); and a card of another department (refused)."""
    from crm.contacts.inputs import contact_input_from

    holder = make_contact(manager_b, last_name="Держатель", phone="+79120000009")
    cards = [
        contact_create(
            actor=manager_a,
            data=ContactInput(
                last_name=f"Правка{i}",
                phones=[PhoneInput(f"+7 912 000-00-0{i}")],
                emails=[EmailInput(f"p{i}@example.ru")],
                tags=["старый"],
                company_name="ООО Прежнее",
                status_id=1,
            ),
            source=SYSTEM,
        )
        for i in range(1, 5)
    ]
    inputs = [contact_input_from(Contact.objects.get(pk=c.pk)) for c in cards]
    inputs[0].city, inputs[0].status_id = "Казань", 2
    inputs[1].phones.append(PhoneInput("+7 495 000-00-07", kind="work"))
    inputs[1].tags = ["новый", "VIP"]
    inputs[2].company_id, inputs[2].company_name, inputs[2].position = None, "ООО Новое", "Инженер"
    inputs[3].phones = [PhoneInput("+7 912 000-00-09")]  # the holder's
    foreign = contact_input_from(holder)
    foreign.city = "Омск"
    return [(c.pk, data) for c, data in zip(cards, inputs, strict=True)] + [(holder.pk, foreign)]


def test_a_batch_of_updates_and_the_same_updates_one_by_one_leave_the_same_cards_and_journal(
    manager_a, manager_b
):
    from django.db import transaction

    from crm.contacts.services import contact_update, contacts_update
    from crm.core.errors import NotFound, PermissionDenied

    changes = _changes(manager_a, manager_b)
    with transaction.atomic():
        batch = contacts_update(actor=manager_a, changes=changes, source=SYSTEM)
        in_batch = [[(e.field, e.code) for e in row.errors] for row in batch.rows]
        after_batch = _state()
        assert AuditEntry.objects.filter(batch=batch.id, action="update").count() == 3
        transaction.set_rollback(True)
    one_by_one = []
    for pk, data in changes:
        try:
            contact_update(actor=manager_a, contact_id=pk, data=data, source=SYSTEM)
            one_by_one.append([])
        except ValidationFailed as exc:
            one_by_one.append([(e.field, e.code) for e in exc.errors])
        except (NotFound, PermissionDenied):
            one_by_one.append([("contact_id", "not_found")])
    assert in_batch == one_by_one == [[], [], [], [("phones.0", "duplicate")], [("contact_id", "not_found")]]
    cards, journal, tags, companies = _state()
    assert (cards, tags, companies) == (after_batch[0], after_batch[2], after_batch[3])
    # The same entries; a batch creates the chunk's new companies before writing its cards.
    assert sorted(map(repr, journal)) == sorted(map(repr, after_batch[1]))


def test_a_batch_of_updates_costs_the_same_queries_whatever_its_size(manager_a):
    from crm.contacts.inputs import contact_input_from
    from crm.contacts.services import contacts_update

    def changed(count, start):
        cards = contacts_create(
            actor=manager_a,
            rows=[
                ContactInput(
                    last_name=f"Размер{start + i}", phones=[PhoneInput(f"+7 913 {start + i:03d}-00-00")]
                )
                for i in range(count)
            ],
            source=SYSTEM,
        )
        changes = []
        for row in cards.rows:
            data = contact_input_from(row.card)
            data.city, data.tags, data.company_name = "Тула", ["тег"], "ООО Размер"
            changes.append((row.card.pk, data))
        with CaptureQueriesContext(connection) as queries:
            contacts_update(actor=manager_a, changes=changes, source=SYSTEM)
        return len(queries)

    changed(2, 300)  # the company and the tag made once, before the two measured batches
    few, many = changed(4, 200), changed(40, 100)
    assert few <= many <= few + 2  # a long insert may go in two statements; never a query per card


def test_cards_read_and_locked_by_the_caller_are_written_without_being_read_again(manager_a):
    from crm.contacts.inputs import contact_input_from
    from crm.contacts.models import Contact
    from crm.contacts.services import contacts_update, locked_editable_cards

    made = contacts_create(
        actor=manager_a,
        rows=[
            ContactInput(last_name=f"Замок{i}", phones=[PhoneInput(f"+7 914 {i:03d}-00-00")])
            for i in range(5)
        ],
        source=SYSTEM,
    )
    ids = [row.card.pk for row in made.rows]

    def change(locked):
        changes = []
        for pk in ids:
            data = contact_input_from(Contact.objects.get(pk=pk))
            data.city = "Тула" if locked is None else "Псков"
            changes.append((pk, data))
        with CaptureQueriesContext(connection) as queries:
            result = contacts_update(actor=manager_a, changes=changes, source=SYSTEM, locked=locked)
        assert all(row.ok for row in result.rows)
        return len(queries)

    read_here = change(None)
    with transaction.atomic():
        locked = locked_editable_cards(manager_a, ids)
        read_before = change(locked)
    assert read_before < read_here  # the cards and their rows are not read a second time
    assert set(Contact.objects.filter(pk__in=ids).values_list("city", flat=True)) == {"Псков"}
