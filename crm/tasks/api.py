"""REST API for tasks: the same services and selectors as the UI."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from crm.core.audit import ChangeSource
from crm.core.ids import Id
from crm.core.models import ChangeChannel
from crm.tasks import selectors, services
from crm.tasks.models import Priority, Task

router = Router(tags=["tasks"])


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


class TaskOut(Schema):
    id: int
    title: str
    description: str
    category_id: int | None = Field(description="An option of the «task_category» list")
    due_at: datetime.datetime
    all_day: bool = Field(description="Due by the end of the day, no time")
    remind_at: datetime.datetime | None
    priority: int = Field(description="1 low, 2 normal, 3 high, 4 urgent")
    status: str = Field(description="open, done or cancelled")
    assignee_id: int
    author_id: int | None
    contact_id: int | None
    company_id: int | None
    entry_id: int | None = Field(description="The timeline entry whose next step this is")
    completed_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None
    total: int
    total_is_estimate: bool


class TaskIn(Schema):
    title: str
    due_at: datetime.datetime = Field(
        description="With a time zone; for an all-day task any moment of that day"
    )
    all_day: bool = False
    remind: str = Field(
        services.Remind.AT_DUE, description="none, 0 (at due time), 15, 60 or 1440 minutes before"
    )
    description: str = ""
    category_id: Id | None = None
    priority: int = Priority.NORMAL
    assignee_id: Id | None = Field(None, description="Default: the token's user")
    contact_id: Id | None = None
    company_id: Id | None = None


class TaskPatch(Schema):
    title: str | None = None
    due_at: datetime.datetime | None = None
    all_day: bool | None = None
    remind: str | None = None
    description: str | None = None
    category_id: Id | None = None
    priority: int | None = None


class AssignIn(Schema):
    assignee_id: Id
    comment: str = ""


class CommentIn(Schema):
    text: str


class CommentOut(Schema):
    id: int
    author_id: int | None
    text: str
    created_at: datetime.datetime


class TaskListParams(Schema):
    status: str = Field("open", description="open, done, cancelled or '' for all")
    assignee_id: Id | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


def task_out(task: Task) -> dict[str, Any]:
    return {name: getattr(task, name) for name in TaskOut.model_fields}


def _input(task: Task | None, payload: dict[str, Any]) -> services.TaskInput:
    base = services.TaskInput()
    if task is not None:
        base = services.TaskInput(
            title=task.title,
            description=task.description,
            category_id=task.category_id,
            due_at=task.due_at,
            all_day=task.all_day,
            remind=services.remind_choice(task),
            priority=task.priority,
            assignee_id=task.assignee_id,
        )
    for key, value in payload.items():
        setattr(base, key, value)
    return base


@router.get("/tasks", response=TaskPage, summary="Tasks the token's user may see, soonest first")
def list_tasks(request: HttpRequest, params: Query[TaskListParams]) -> dict[str, Any]:
    page = selectors.task_list(
        user=request.auth,
        assignee_id=params.assignee_id,
        status=params.status,
        cursor=params.cursor,
        limit=params.limit,
    )
    return {
        "items": [task_out(t) for t in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
    }


@router.post("/tasks", response={201: TaskOut}, summary="Create a task")
def create_task(request: HttpRequest, payload: TaskIn) -> Status[dict[str, Any]]:
    task = services.task_create(
        actor=request.auth, data=_input(None, payload.model_dump()), source=_source(request)
    )
    return Status(201, task_out(task))


@router.get("/tasks/{task_id}", response=TaskOut, summary="One task")
def get_task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    return task_out(selectors.task_get(user=request.auth, pk=task_id))


@router.patch("/tasks/{task_id}", response=TaskOut, summary="Change a task's content and dates")
def patch_task(request: HttpRequest, task_id: int, payload: TaskPatch) -> dict[str, Any]:
    task = selectors.task_get(user=request.auth, pk=task_id)
    data = _input(task, payload.model_dump(exclude_unset=True))
    return task_out(
        services.task_update(actor=request.auth, task_id=task_id, data=data, source=_source(request))
    )


@router.post("/tasks/{task_id}/complete", response=TaskOut, summary="Mark done")
def complete_task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    return task_out(services.task_complete(actor=request.auth, task_id=task_id, source=_source(request)))


@router.post("/tasks/{task_id}/reopen", response=TaskOut, summary="Open again")
def reopen_task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    return task_out(services.task_reopen(actor=request.auth, task_id=task_id, source=_source(request)))


@router.post(
    "/tasks/{task_id}/assign", response=TaskOut, summary="Hand over to a colleague (they are notified)"
)
def assign_task(request: HttpRequest, task_id: int, payload: AssignIn) -> dict[str, Any]:
    task = services.task_assign(
        actor=request.auth,
        task_id=task_id,
        assignee_id=payload.assignee_id,
        comment=payload.comment,
        source=_source(request),
    )
    return task_out(task)


@router.get("/tasks/{task_id}/comments", response=list[CommentOut], summary="The task's comments")
def list_comments(request: HttpRequest, task_id: int) -> list[Any]:
    task = selectors.task_get(user=request.auth, pk=task_id)
    return [
        {"id": c.pk, "author_id": c.author_id, "text": c.text, "created_at": c.created_at}
        for c in selectors.task_comments(task=task)
    ]


@router.post("/tasks/{task_id}/comments", response={201: CommentOut}, summary="Comment on a task")
def add_comment(request: HttpRequest, task_id: int, payload: CommentIn) -> Status[dict[str, Any]]:
    comment = services.task_comment(
        actor=request.auth, task_id=task_id, text=payload.text, source=_source(request)
    )
    return Status(
        201,
        {
            "id": comment.pk,
            "author_id": comment.author_id,
            "text": comment.text,
            "created_at": comment.created_at,
        },
    )


@router.delete("/tasks/{task_id}", response={204: None}, summary="Move a task to the trash")
def delete_task(request: HttpRequest, task_id: int) -> Status[None]:
    services.task_delete(actor=request.auth, task_id=task_id, source=_source(request))
    return Status(204, None)
