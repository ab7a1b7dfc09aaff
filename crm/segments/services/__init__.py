"""Every write of segments: the segments themselves (``segments.py``) and their bulk actions (``bulk.py``)."""

from crm.segments.services.bulk import (
    bulk_resume_stalled,
    bulk_run,
    bulk_start,
    bulk_undo,
    bulk_undo_run,
)
from crm.segments.services.segments import (
    SORTS,
    SegmentInput,
    segment_delete,
    segment_restore,
    segment_save,
    sizes_record,
)

__all__ = [
    "SORTS",
    "SegmentInput",
    "bulk_resume_stalled",
    "bulk_run",
    "bulk_start",
    "bulk_undo",
    "bulk_undo_run",
    "segment_delete",
    "segment_restore",
    "segment_save",
    "sizes_record",
]
