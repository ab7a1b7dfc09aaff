from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from crm.api.urls import api


def home(request: HttpRequest) -> HttpResponse:
    return redirect("contacts:contact_list")


urlpatterns = [
    path("", home, name="home"),
    path("", include("crm.accounts.urls")),
    path("", include("crm.contacts.urls")),
    path("", include("crm.fields.urls")),
    path("api/v1/", api.urls),
]
