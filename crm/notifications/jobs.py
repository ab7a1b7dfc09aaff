"""Background jobs of notifications (Huey). Each one only calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from crm.notifications.services import deliver_pending, telegram_poll_links


@db_task()
def deliver() -> int:
    """Right after a notification commits: send its e-mail and Telegram message."""
    return deliver_pending()


@db_periodic_task(crontab(minute="*"))
@lock_task("notifications-sweep")
def sweep() -> int:
    """Every minute: what waits (a retry after a flood limit, a message sent while the worker was down),
    and new «/start CODE» messages to the bot."""
    telegram_poll_links()
    return deliver_pending()
