"""Background jobs of the import (Huey). Each one only calls a service."""

import datetime
import uuid

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from crm.imports.models import ImportBatch, ImportStatus
from crm.imports.services import export_run, import_run

# A running import commits a chunk every few seconds; one silent for this long lost its worker.
STALLED_AFTER = datetime.timedelta(minutes=2)


@db_task()
def run_import(batch_id: str) -> int:
    report = import_run(batch_id=uuid.UUID(batch_id))
    return report.created


@db_periodic_task(crontab(minute="*"))
@lock_task("imports-resume")
def resume_stalled_imports() -> int:
    """An import whose worker died (killed, restarted, out of memory) goes on after its last chunk."""
    stalled = ImportBatch.objects.filter(
        status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING],
        heartbeat__lt=timezone.now() - STALLED_AFTER,
    ).values_list("pk", flat=True)
    queued_long_ago = ImportBatch.objects.filter(
        status=ImportStatus.QUEUED, heartbeat=None, created_at__lt=timezone.now() - STALLED_AFTER
    ).values_list("pk", flat=True)
    ids = [*stalled, *queued_long_ago]
    for pk in ids:
        import_run(batch_id=pk)
    return len(ids)


@db_task()
def run_export(job_id: int) -> int:
    return export_run(job_id=job_id).rows_done
