"""Background jobs of the contacts app (Huey). Each one only calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.contacts.services import trash_purge_expired


@db_periodic_task(crontab(hour="3", minute="30"))
def purge_trash() -> int:
    """Every night: cards in the trash longer than CRM_TRASH_RETENTION_DAYS are deleted for good."""
    return trash_purge_expired()
