from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "crm.tasks"
    label = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.core.templatetags.crm import (
            register_field_labels,
            register_object_type,
            register_value_labels,
        )
        from crm.tasks import cards, jobs  # noqa: F401  (Huey discovers tasks modules; ours are jobs.py)
        from crm.tasks.models import Priority, TaskStatus

        cards.register()
        from crm.tasks import columns, demo

        columns.register()

        demo.register()
        register_object_type("tasks.task", _("Task"))
        register_value_labels("status", dict(TaskStatus.choices), "tasks.task")
        register_value_labels("priority", {int(k): v for k, v in Priority.choices}, "tasks.task")
        register_field_labels(
            {
                "title": _("Title"),
                "description": _("Details"),
                "due_at": _("Due"),
                "all_day": _("All day"),
                "remind_at": _("Reminder"),
                "priority": _("Priority"),
                "assignee": _("Assignee"),
                "status": _("Status"),
                "contact": _("Person"),
                "comment": _("Comment"),
            }
        )
