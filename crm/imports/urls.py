from django.urls import path

from crm.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.batch_list, name="batch_list"),
    path("imports/new/", views.upload, name="upload"),
    path("imports/sample.csv", views.sample, name="sample"),
    path("imports/<uuid:pk>/", views.batch_detail, name="batch_detail"),
    path("imports/<uuid:pk>/configure/", views.configure, name="configure"),
    path("imports/<uuid:pk>/progress/", views.progress, name="progress"),
    path("imports/<uuid:pk>/report.csv", views.problems_csv, name="problems_csv"),
    path("imports/<uuid:pk>/undo/", views.undo, name="undo"),
    path("imports/templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("exports/new/", views.export_start, name="export_start"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/file/", views.export_download, name="export_download"),
]
