"""Background jobs of the segments app (Huey). Each one only calls a service."""

import contextlib

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from crm.core.errors import NotFound
from crm.segments.services import bulk_resume_stalled, bulk_run, bulk_undo_run, sizes_record


@db_periodic_task(crontab(hour="4", minute="10"))
@lock_task("segment-sizes")
def record_sizes() -> int:
    """Every night: each segment's size, for the curve of its report."""
    return sizes_record()


@db_task()
def run_bulk(action_id: str) -> None:
    """A bulk action started from a segment or a selection."""
    with contextlib.suppress(NotFound):  # already run, or undone meanwhile
        bulk_run(action_id=action_id)


@db_task()
def undo_bulk(action_id: str) -> None:
    with contextlib.suppress(NotFound):
        bulk_undo_run(action_id=action_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("bulk-resume")
def resume_stalled_bulk() -> int:
    """Every minute: bulk actions whose worker died are taken up again (running one twice is harmless)."""
    return bulk_resume_stalled()
