"""Demo data is written through the services, like any other input."""

from crm.accounts.models import Department, User
from crm.contacts.demo import create_demo
from crm.contacts.models import Company, Contact
from crm.core.models import AuditEntry


def test_demo_data_spreads_cards_over_two_departments_and_five_users_and_journals_them(db):
    create_demo(contacts=60, companies=12)
    owners = set(Contact.objects.values_list("owner__username", flat=True))
    assert Department.objects.count() == 2
    assert User.objects.exclude(username="admin").count() == 5
    assert owners <= {"ivanova", "petrov", "sidorova", "kuznetsov", "smirnov"}
    assert len(owners) == 5
    assert (Contact.objects.count(), Company.objects.count()) == (60, 12)
    created = AuditEntry.objects.filter(action="create")
    assert created.filter(object_type="contacts.contact").count() == 60
    assert created.filter(object_type="contacts.company").count() == 12
    assert created.filter(object_type="accounts.user").count() == 5


def test_demo_data_can_be_created_twice_without_duplicating_people(db):
    create_demo(contacts=5, companies=2)
    create_demo(contacts=5, companies=2, seed=8)
    assert User.objects.count() == 6
    assert Department.objects.count() == 2
