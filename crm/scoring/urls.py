from django.urls import path

from crm.scoring import views

app_name = "scoring"

urlpatterns = [
    path("scoring/", views.scoring_settings, name="settings"),
    path("scoring/rules/new/", views.rule_save, name="rule_create"),
    path("scoring/rules/<int:pk>/", views.rule_save, name="rule_edit"),
]
