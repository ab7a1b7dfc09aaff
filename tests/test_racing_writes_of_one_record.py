"""Writes of one record that race are applied one after another, none refused for a record that is there.

Eight people drag the same deal to different stages at once, through the API of a live server: the stage
history is one unbroken chain (each move leaves the stage the previous one entered), the deal stands where
the last move put it, each move has its journal entry. Nine hand-overs of one task race the same way. Both
once answered 404 on PostgreSQL: the lock's query joined the record to its stage or assignee, and after
waiting for the lock the record's new row no longer matched the join's old one."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from crm.accounts.services import api_token_create
from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry
from crm.deals.models import Deal, StageChange, StageKind
from crm.deals.testing import make_deal, starter_pipeline

pytestmark = pytest.mark.django_db(transaction=True)

MOVES = 8


def test_racing_moves_of_one_deal_leave_an_unbroken_stage_history(live_server, manager_a):
    deal = make_deal(manager_a, title="Гонка")
    open_stages = [s for s in starter_pipeline().stages.all() if s.kind == StageKind.OPEN]
    targets = [open_stages[1 + i % (len(open_stages) - 1)].pk for i in range(MOVES)]
    _, token = api_token_create(actor=manager_a, name="load", source=SYSTEM)

    def move(stage_id: int) -> int:
        response = httpx.post(
            f"{live_server.url}/api/v1/deals/{deal.pk}/move",
            json={"stage_id": stage_id},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        return response.status_code

    with ThreadPoolExecutor(MOVES) as pool:
        answers = list(pool.map(move, targets))
    assert answers == [200] * MOVES
    chain = list(StageChange.objects.filter(deal=deal).order_by("id"))
    for before, after in itertools.pairwise(chain):
        assert after.from_stage_id == before.to_stage_id, "a move left a stage the deal was not at"
    moved = [c for c in chain[1:] if c.from_stage_id != c.to_stage_id]
    assert Deal.objects.get(pk=deal.pk).stage_id == chain[-1].to_stage_id
    journal = AuditEntry.objects.filter(object_type="deals.deal", object_id=deal.pk, action="update").count()
    assert journal == len(moved) == len(chain) - 1


def test_racing_hand_overs_of_one_task_all_land_one_after_another(live_server, manager_a, manager_a2, head_a):
    import datetime

    from django.utils import timezone

    from crm.tasks.models import TaskComment
    from crm.tasks.services import TaskInput, task_create

    task = task_create(
        actor=head_a,
        data=TaskInput(title="Передать", due_at=timezone.now() + datetime.timedelta(days=1)),
        source=SYSTEM,
    )
    _, token = api_token_create(actor=head_a, name="load", source=SYSTEM)
    people = [manager_a, manager_a2, head_a] * 3

    def hand_over(person) -> int:
        return httpx.post(
            f"{live_server.url}/api/v1/tasks/{task.pk}/assign",
            json={"assignee_id": person.pk},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(len(people)) as pool:
        answers = list(pool.map(hand_over, people))
    assert answers == [200] * len(people)
    # Each hand-over that changed the assignee left its comment; none was lost to a 404.
    comments = TaskComment.objects.filter(task=task).count()
    assert 1 <= comments <= len(people)
