from django.urls import path

from crm.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read/", views.notifications_read, name="read"),
    path("notifications/<int:pk>/", views.notification_open, name="open"),
    path("profile/notifications/", views.notification_settings, name="settings"),
    path("profile/notifications/telegram/link/", views.telegram_link, name="telegram_link"),
    path("profile/notifications/telegram/unlink/", views.telegram_unlink, name="telegram_unlink"),
    path("profile/notifications/calendar/renew/", views.calendar_renew, name="calendar_renew"),
]
