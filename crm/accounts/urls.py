from django.contrib.auth import views as auth_views
from django.urls import path

from crm.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/language/", views.language, name="language"),
    path("admin/users/", views.user_list, name="user_list"),
    path("admin/users/new/", views.user_edit, name="user_create"),
    path("admin/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("admin/departments/", views.department_list, name="department_list"),
    path("admin/roles/", views.role_list, name="role_list"),
    path("admin/roles/new/", views.role_edit, name="role_create"),
    path("admin/roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("admin/journal/", views.journal, name="journal"),
]
