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


@db_periodic_task(crontab(day_of_week="1", hour="5", minute="0"))
def weekly_slip_reports() -> int:
    """Monday 05:00 UTC (08:00 Moscow): the heads' report of what slipped."""
    return reminders.send_slip_reports()
