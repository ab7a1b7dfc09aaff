"""Rules a mutation spot-check broke without any test noticing (issue 13): each break must now fail here.

- a head without a department still sees their own cards (the scope's "or their own");
- every filterable standard field, hidden from a role, is not filtered on (not only city);
- with "company" hidden, the position (journaled under its alias) does not show in the card's journal;
- a trashed task neither reminds nor is listed on "my day".
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.contacts.declarations import declared
from crm.contacts.inputs import ContactInput
from crm.contacts.models import Contact, ContactStatus
from crm.contacts.selectors import EQUALITY_KINDS, ContactFilters, contact_list
from crm.contacts.services import contact_update
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.fields import services as field_services
from crm.notifications.models import Notification
from crm.tasks import selectors as task_selectors
from crm.tasks.reminders import dispatch_due_reminders
from crm.tasks.services import TaskInput, task_create, task_delete


def test_a_head_without_a_department_sees_their_own_cards_and_no_one_elses(head_a, manager_a):
    head_a.department = None
    head_a.save()
    own = make_contact(head_a, last_name="Свой", phone="+79160007001")
    make_contact(manager_a, last_name="Чужой", phone="+79160007002")
    assert list(Contact.objects.visible_to(head_a).values_list("pk", flat=True)) == [own.pk]


# A value that the card does not hold, per kind of filterable standard field: filtering on it would
# leave the card out of the list.
_OTHER = {"choice": "client", "line": "Другое", "ref": None, "flag": True}


@pytest.mark.parametrize(
    "decl",
    [
        d
        for d in declared("contact")
        if d.filterable and d.kind_code in EQUALITY_KINDS and d.config and d.secret
    ],
    ids=lambda d: d.attr,
)
def test_a_filter_on_any_standard_field_hidden_from_the_role_is_not_applied(admin, manager_a, decl):
    card = make_contact(manager_a, last_name="Открытый", phone="+79160007003", base_type="lead")
    value = _OTHER.get(decl.kind_code)
    if decl.kind_code == "ref":  # another status, owner or company than the card's
        value = {
            "status_id": ContactStatus.objects.order_by("-pk").values_list("pk", flat=True).first(),
            "owner_id": admin.pk,
            "company_id": make_company(admin, name="ООО Чужая").pk,
        }.get(decl.attr)
    filters = ContactFilters(**{decl.attr: value})
    assert card.pk not in [c.pk for c in contact_list(user=manager_a, filters=filters).items]
    field_services.field_access_set(
        actor=admin, kind="contact", key=decl.config, levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    assert card.pk in [c.pk for c in contact_list(user=manager_a, filters=filters).items]


def test_with_the_company_hidden_a_changed_position_is_not_in_the_cards_journal(client, admin, manager_a):
    company = make_company(manager_a, name="ООО Тайная")
    card = make_contact(manager_a, last_name="Должностной", company_id=company.pk, position="Инженер")
    field_services.field_access_set(
        actor=admin, kind="contact", key="company", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    data = ContactInput(last_name="Должностной", company_id=company.pk, position="Главный секретарь")
    contact_update(actor=admin, contact_id=card.pk, data=data, source=SYSTEM)
    client.force_login(manager_a)
    page = client.get(reverse("contacts:contact_detail", args=[card.pk])).content.decode()
    assert "Главный секретарь" not in page
    assert "Инженер" not in page


def test_a_trashed_task_neither_reminds_nor_is_on_my_day(manager_a):
    now = timezone.now()
    task = task_create(
        actor=manager_a,
        data=TaskInput(title="Удалённая напоминалка", due_at=now - datetime.timedelta(minutes=1)),
        source=SYSTEM,
    )
    task_delete(actor=manager_a, task_id=task.pk, source=SYSTEM)
    assert dispatch_due_reminders() == 0
    assert not Notification.objects.exists()
    day = task_selectors.day_of(user=manager_a, now=now)
    assert all(t.pk != task.pk for t in [*day.overdue, *day.today, *day.upcoming])
