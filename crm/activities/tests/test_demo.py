"""`make run` shows a lived-in CRM: the demo steps add a history and tasks through the services."""

from crm.activities.models import Entry
from crm.contacts.demo import create_demo
from crm.contacts.models import Contact
from crm.core.demo import run_demo_steps
from crm.scoring.models import Score
from crm.tasks.models import Task


def test_demo_steps_add_a_timeline_last_contacts_and_tasks(db):
    create_demo(contacts=40, companies=6)
    assert run_demo_steps() == [
        "timeline",
        "tasks",
        "deals",
        "orders",
        "candidates",
        "lead signals",
        "segments",
    ]  # deals: crm/deals/tests/test_views.py; segments: crm/segments/tests/test_segments.py
    assert Entry.objects.count() > 20
    assert Contact.objects.filter(last_contact_at__isnull=False).exists()
    assert Task.objects.filter(assignee__username="petrov").exists()
    assert Task.objects.filter(entry__isnull=False).exists()  # next steps became tasks
    bands = set(Score.objects.values_list("band", flat=True))
    assert {"hot", "warm"} <= bands  # the demo's leads are of every temperature
