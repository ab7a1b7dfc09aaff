from django.urls import path

from crm.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("duplicates/", views.queue, name="queue"),
    path("duplicates/run/", views.run, name="run"),
    path("duplicates/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("duplicates/<int:pk>/merge/", views.merge, name="merge"),
    path("merges/<int:pk>/undo/", views.unmerge, name="unmerge"),
]
