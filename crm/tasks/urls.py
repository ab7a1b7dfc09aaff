from django.urls import path

from crm.tasks import views

app_name = "tasks"

urlpatterns = [
    path("tasks/", views.my_day, name="my_day"),
    path("tasks/calendar/", views.task_calendar, name="calendar"),
    path("tasks/list/", views.day_list, name="day_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/without-next-step/", views.without_next_step, name="without_next_step"),
    path("tasks/slips/", views.slip_report, name="slip_report"),
    path("tasks/colleagues/", views.colleague_options, name="colleague_options"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/assign/", views.task_assign, name="task_assign"),
    path("tasks/<int:pk>/comment/", views.task_comment, name="task_comment"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("tasks/<int:pk>/restore/", views.task_restore, name="task_restore"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
