from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from crm.api.openapi import openapi_json
from crm.api.urls import api


def home(request: HttpRequest) -> HttpResponse:
    return redirect("contacts:contact_list")


urlpatterns = [
    path("", home, name="home"),
    path("", include("crm.accounts.urls")),
    path("", include("crm.contacts.urls")),
    path("", include("crm.fields.urls")),
    path("", include("crm.activities.urls")),
    path("", include("crm.tasks.urls")),
    path("", include("crm.deals.urls")),
    path("", include("crm.notifications.urls")),
    path("", include("crm.imports.urls")),
    path("", include("crm.duplicates.urls")),
    path("", include("crm.segments.urls")),
    path("", include("crm.scoring.urls")),
    # Before the API's own: the description is tailored to the caller's role (hidden fields are absent).
    path("api/v1/openapi.json", openapi_json, name="openapi"),
    path("api/v1/", api.urls),
]

handler400 = "crm.core.error_pages.bad_request"
handler403 = "crm.core.error_pages.forbidden"
handler404 = "crm.core.error_pages.not_found"
handler500 = "crm.core.error_pages.server_error"
