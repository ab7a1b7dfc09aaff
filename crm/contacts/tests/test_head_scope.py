"""A head's scope is one indexed condition: the department's cards (their own cards carry it too).

Cards copy their owner's department (the services keep it, and moving a user moves their cards), so
"the department's or my own" is just ``department_id = X``, and a head's list reads the department-led
indexes like a manager's reads the owner-led ones.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.accounts.services import UserInput, user_update
from crm.contacts.models import Company, Contact
from crm.contacts.selectors import ContactFilters, contact_list
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.fields import services as fs
from crm.fields.forms import CustomFilter
from crm.fields.indexes import ensure_index
from crm.fields.models import ChoiceList, FieldType
from crm.fields.schema import schema_for
from crm.fields.services import FieldInput


def _page_plan(run) -> str:
    """The plan of the list's page query (the one with a LIMIT), as the database would run it."""
    with CaptureQueriesContext(connection) as captured:
        run()
    sql = next(
        q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"] and "contacts_contact" in q["sql"]
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return " ".join(str(row[3]) for row in cursor.fetchall())
        # Tiny test tables make a sequential scan cheapest; what matters is which index the list can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return " ".join(row[0] for row in cursor.fetchall())


# The department-led indexes: the list's own ones and each filterable field's ``_d`` expression index.
DEPARTMENT_LED = ("contact_dept_", "cf_contact_plan_d")


def _reads_department_led_index(plan: str) -> bool:
    return (
        "MULTI-INDEX OR" not in plan and "owner_id = " not in plan and any(i in plan for i in DEPARTMENT_LED)
    )


def test_a_heads_list_reads_the_department_led_index(head_a, manager_a, manager_b):
    for owner in (head_a, manager_a, manager_b):
        make_contact(owner, last_name=f"Список{owner.pk}")
    plan = _page_plan(lambda: contact_list(user=head_a, filters=ContactFilters()))
    assert _reads_department_led_index(plan), plan


def test_a_heads_list_filtered_by_a_custom_option_reads_its_department_led_index(
    admin, head_a, manager_a, manager_b
):
    tariff = ChoiceList.objects.get(key="tariff")
    fs.field_save(
        actor=admin,
        kind="contact",
        data=FieldInput(
            key="plan",
            field_type=FieldType.CHOICE,
            label_ru="План",
            label_en="Plan",
            choice_list_id=tariff.pk,
            filterable=True,
        ),
        source=SYSTEM,
    )
    spec = schema_for("contact").fields["plan"]
    ensure_index(spec)
    option = tariff.options.first()
    for owner in (head_a, manager_a, manager_b):
        make_contact(owner, last_name=f"План{owner.pk}", custom={"plan": option.label_ru})
    filters = ContactFilters(custom=[CustomFilter(spec=spec, op="eq", value=option.pk)])
    plan = _page_plan(lambda: contact_list(user=head_a, filters=filters))
    assert _reads_department_led_index(plan), plan


def test_moving_a_user_keeps_the_head_rule_and_the_owner_rule_agreeing(admin, head_a, manager_a, dept_b):
    """The owner's cards go with them: the old head stops seeing them, the new department's head starts,
    and the owner sees them throughout (their own scope never depended on the department)."""
    contact, company = make_contact(manager_a), make_company(manager_a)
    data = UserInput(username=manager_a.username, department_id=dept_b.pk, role_id=manager_a.role_id)
    user_update(actor=admin, user_id=manager_a.pk, data=data, source=SYSTEM)
    manager_a.refresh_from_db()
    for model, record in ((Contact, contact), (Company, company)):
        assert model.objects.get(pk=record.pk).department_id == dept_b.pk
        assert model.objects.visible_to(manager_a).filter(pk=record.pk).exists()
        assert not model.objects.visible_to(head_a).filter(pk=record.pk).exists()
    # A head moved into the department sees them; moved back out, they go with the head's own cards.
    data = UserInput(username=head_a.username, department_id=dept_b.pk, role_id=head_a.role_id)
    user_update(actor=admin, user_id=head_a.pk, data=data, source=SYSTEM)
    head_a.refresh_from_db()
    assert Contact.objects.visible_to(head_a).filter(pk=contact.pk).exists()
