from django.urls import path, register_converter

from crm.activities import views


class CardKind:
    regex = "contact|company"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CardKind, "cardkind")

app_name = "activities"

urlpatterns = [
    path("timeline/<cardkind:kind>/<int:pk>/", views.timeline, name="timeline"),
    path("timeline/<cardkind:kind>/<int:pk>/add/", views.entry_add, name="entry_add"),
    path("timeline/entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("timeline/entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("timeline/entries/<int:pk>/restore/", views.entry_restore, name="entry_restore"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
]
