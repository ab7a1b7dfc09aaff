"""Background jobs of the contacts app (Huey). Each one only calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from crm.contacts.services import completeness_recount, trash_purge_expired


@db_periodic_task(crontab(hour="3", minute="30"))
def purge_trash() -> int:
    """Every night: cards in the trash longer than CRM_TRASH_RETENTION_DAYS are deleted for good."""
    return trash_purge_expired()


@db_task()
def recount_completeness(kind: str, ids: list[int] | None = None) -> int:
    """After a change of definitions: every card's stored completeness, for lists and their filters
    (``ids``: only these cards, after a bulk change of their tags)."""
    return completeness_recount(kind, ids)


def on_schema_changed(sender: object, kind: str, **kwargs: object) -> None:
    recount_completeness(kind)
