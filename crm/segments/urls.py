from django.urls import path

from crm.segments import views

app_name = "segments"

urlpatterns = [
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/preview/", views.segment_preview, name="segment_preview"),
    path("segments/trash/", views.segment_trash, name="segment_trash"),
    path("segments/menu/", views.segment_menu, name="segment_menu"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/count/", views.segment_count, name="segment_count"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/report/", views.segment_report, name="segment_report"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("segments/<int:pk>/restore/", views.segment_restore, name="segment_restore"),
    path("segments/<int:pk>/bulk/", views.segment_bulk, name="segment_bulk"),
    path("segments/bulk/", views.bulk_list, name="bulk_list"),
    path("segments/bulk/selection/", views.bulk_selection, name="bulk_selection"),
    path("segments/bulk/<uuid:pk>/", views.bulk_detail, name="bulk_detail"),
    path("segments/bulk/<uuid:pk>/undo/", views.bulk_undo, name="bulk_undo"),
]
