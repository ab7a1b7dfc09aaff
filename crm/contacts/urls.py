from django.urls import path

from crm.contacts import views

app_name = "contacts"

urlpatterns = [
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/restore/", views.contact_restore, name="contact_restore"),
    path("contacts/<int:pk>/comment/", views.contact_comment, name="contact_comment"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/choices/", views.company_choices, name="company_choices"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company_delete"),
    path("companies/<int:pk>/restore/", views.company_restore, name="company_restore"),
    path("companies/<int:pk>/comment/", views.company_comment, name="company_comment"),
    path("search/", views.search, name="search"),
    path("trash/", views.trash, name="trash"),
    path("lists/<str:kind>/columns/", views.list_columns_save, name="list_columns"),
]
