"""Background jobs of the duplicate finder (Huey). Each one only calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from crm.duplicates.services import duplicates_check, duplicates_find


@db_periodic_task(crontab(day_of_week="0", hour="2", minute="30"))
@lock_task("duplicates-find")
def find_duplicates() -> int:
    """Every Sunday night: the whole base compared again."""
    return duplicates_find()


@db_task()
@lock_task("duplicates-find")
def find_duplicates_now() -> int:
    return duplicates_find()


@db_task()
def check_cards(ids: list[int]) -> int:
    return duplicates_check(ids)


def on_cards_written(sender: object, kind: str, ids: list[int], **kwargs: object) -> None:
    """New and changed people are checked in the worker, never while the user waits."""
    if kind == "contact" and ids:
        check_cards(ids)
