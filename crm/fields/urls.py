from django.urls import path

from crm.fields import views

app_name = "fields"

urlpatterns = [
    path("settings/fields/<str:kind>/", views.field_list, name="field_list"),
    path("settings/fields/<str:kind>/new/", views.field_edit, name="field_create"),
    path("settings/fields/<str:kind>/<int:pk>/", views.field_edit, name="field_edit"),
    path(
        "settings/fields/<str:kind>/standard/<slug:key>/",
        views.standard_field_edit,
        name="standard_field_edit",
    ),
    path("settings/fields/<str:kind>/access/<slug:key>/", views.field_access, name="field_access"),
    path("settings/lists/", views.choice_list_index, name="choice_list_index"),
    path("settings/lists/<int:pk>/", views.choice_list_detail, name="choice_list"),
    path("settings/lists/<int:pk>/options/new/", views.option_create, name="option_create"),
    path("settings/lists/<int:pk>/options/<int:option_pk>/", views.option_edit, name="option_edit"),
    path("settings/lists/<int:pk>/options/<int:option_pk>/merge/", views.option_merge, name="option_merge"),
    path("settings/lists/<int:pk>/reorder/", views.options_reorder, name="options_reorder"),
    path("settings/types/<str:kind>/", views.type_list, name="type_list"),
    path("settings/types/<str:kind>/new/", views.type_edit, name="type_create"),
    path("settings/types/<str:kind>/<int:pk>/", views.type_edit, name="type_edit"),
]
