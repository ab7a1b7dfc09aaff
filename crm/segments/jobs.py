"""Background jobs of the segments app (Huey). Each one only calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from crm.segments.services import sizes_record


@db_periodic_task(crontab(hour="4", minute="10"))
@lock_task("segment-sizes")
def record_sizes() -> int:
    """Every night: each segment's size, for the curve of its report."""
    return sizes_record()
