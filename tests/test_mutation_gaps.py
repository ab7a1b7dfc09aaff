"""Rules a mutation run over every services and selectors module (docs/reliability.md) found untested:
each test here failed against the mutant that broke its rule."""

import datetime

import pytest
from django.utils import timezone

from crm.accounts.models import ApiToken, Role
from crm.accounts.services import RoleInput, api_token_create, api_token_revoke, role_save
from crm.contacts.inputs import CompanyInput, contact_input_from
from crm.contacts.models import Company
from crm.contacts.selectors import companies_for_choice, company_people
from crm.contacts.services import (
    company_create,
    company_delete,
    company_purge,
    contact_update,
    trash_purge_expired,
)
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound
from crm.core.models import AuditEntry
from crm.tasks.models import Task
from crm.tasks.services import TaskInput, task_comment, task_create

pytestmark = pytest.mark.django_db


def _sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def _fts_rows(kind: str, pk: int) -> int:
    from django.db import connection

    from crm.contacts.search import TABLES

    if connection.vendor != "sqlite":
        return 0  # PostgreSQL searches the cards' own columns: nothing to remove
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLES[kind]} WHERE rowid = %s", [pk])
        return cursor.fetchone()[0]


def test_a_purged_company_leaves_only_its_last_state_in_the_journal(admin):
    company = company_create(actor=admin, data=CompanyInput(name="ООО Тающая", city="Тверь"), source=SYSTEM)
    assert _fts_rows("company", company.pk) == (1 if _sqlite() else 0)
    with pytest.raises(NotFound):
        company_purge(company_id=company.pk, source=SYSTEM)  # a live company is never purged
    company_delete(actor=admin, company_id=company.pk, source=SYSTEM)
    Company.objects.filter(pk=company.pk).update(deleted_at=timezone.now() - datetime.timedelta(days=400))
    assert trash_purge_expired() == 1
    assert not Company.objects.filter(pk=company.pk).exists()
    assert _fts_rows("company", company.pk) == 0  # its search row goes with it (SQLite's FTS5 table)
    purge = AuditEntry.objects.get(object_type="contacts.company", object_id=company.pk, action="purge")
    assert purge.changes["name"] == ["ООО Тающая", None]
    assert purge.changes["city"] == ["Тверь", None]
    with pytest.raises(NotFound):
        company_purge(company_id=company.pk, source=SYSTEM)


def test_a_company_remembers_who_created_it(manager_a):
    company = company_create(actor=manager_a, data=CompanyInput(name="ООО Своя"), source=SYSTEM)
    assert company.created_by == manager_a


def test_a_roles_rights_are_stored_by_kind(admin):
    rights = {"contact": ["view", "edit", "import"], "company": ["view"]}
    role = role_save(
        actor=admin,
        role_id=None,
        data=RoleInput(
            code="analyst", name_ru="Аналитик", name_en="Analyst", scope="all", permissions=rights
        ),
        source=SYSTEM,
    )
    role = Role.objects.get(pk=role.pk)
    assert role.permissions == {"contact": ["view", "edit", "import"], "company": ["view"], "deal": []}


def test_revoking_a_token_twice_keeps_the_first_revocation(manager_a):
    token, _raw = api_token_create(actor=manager_a, name="скрипт", source=SYSTEM)
    api_token_revoke(actor=manager_a, token_id=token.pk, source=SYSTEM)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    with pytest.raises(NotFound):
        api_token_revoke(actor=manager_a, token_id=token.pk, source=SYSTEM)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_a_change_of_an_employed_persons_city_journals_the_city_alone(manager_a):
    company = make_company(manager_a, name="ООО Место")
    person = make_contact(manager_a, last_name="Сидоров", company_id=company.pk, position="Инженер")
    data = contact_input_from(person)
    data.city = "Казань"
    contact_update(actor=manager_a, contact_id=person.pk, data=data, source=SYSTEM)
    entry = AuditEntry.objects.filter(object_id=person.pk, action="update").get()
    assert entry.changes == {"city": ["", "Казань"]}


def test_a_companys_page_lists_its_own_people_only(manager_a):
    ours, theirs = make_company(manager_a, name="ООО Наша"), make_company(manager_a, name="ООО Чужая")
    make_contact(manager_a, last_name="Нашев", company_id=ours.pk)
    make_contact(manager_a, last_name="Чужов", company_id=theirs.pk)
    assert [e.contact.last_name for e in company_people(user=manager_a, company=ours)] == ["Нашев"]


def test_the_company_picker_filters_by_what_is_typed(manager_a):
    make_company(manager_a, name="ООО Ромашка")
    make_company(manager_a, name="ООО Лютик")
    assert [c.name for c in companies_for_choice(user=manager_a, query="Лют")] == ["ООО Лютик"]
    assert len(companies_for_choice(user=manager_a, query="")) == 2


def test_a_comment_notifies_the_other_people_of_the_task_not_its_writer(manager_a, head_a):
    due = timezone.now() + datetime.timedelta(days=1)
    task = task_create(
        actor=head_a, data=TaskInput(title="Позвонить", due_at=due, assignee_id=manager_a.pk), source=SYSTEM
    )
    task_comment(actor=manager_a, task_id=task.pk, text="Позвонил, перезвонят", source=SYSTEM)
    from crm.notifications.models import Notification

    comments = Notification.objects.filter(kind="task_comment")
    assert [n.user for n in comments] == [head_a]
    assert Task.objects.get(pk=task.pk).comments.count() == 1
