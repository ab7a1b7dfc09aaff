"""Background jobs of tasks (Huey). Each one only calls a function of ``reminders``."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from crm.tasks import reminders


@db_periodic_task(crontab(minute="*"))
@lock_task("task-reminders")
def fire_reminders() -> int:
    """Every minute: reminders whose time has come (and late ones, after the worker was down)."""
    return reminders.dispatch_due_reminders()


@db_task()
def fire_reminders_now() -> int:
    """Scheduled for a reminder's exact time when the task is saved; the minute sweep is the safety net."""
    return reminders.dispatch_due_reminders()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("task-digests")
def morning_digests() -> int:
    return reminders.send_digests()


@db_periodic_task(crontab(minute="*/15"))
@lock_task("task-slip-reports")
def weekly_slip_reports() -> int:
    """The heads' weekly report of what slipped: sent on Monday from 08:00 in each head's zone, once."""
    return reminders.send_slip_reports()
