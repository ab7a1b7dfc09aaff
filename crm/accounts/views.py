"""Login, profile (language, API tokens) and the administrator's pages: users, departments, roles, journal."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access, selectors, services
from crm.accounts.models import ACTIONS, RECORD_KINDS, Scope
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.ids import form_id
from crm.core.models import AuditAction
from crm.core.pagination import query_without
from crm.core.templatetags.crm import OBJECT_TYPE_LABELS


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _admin_only(request: HttpRequest) -> None:
    if not access.can_administer(request.user):
        raise Http404


@login_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    try:
        services.profile_update(
            actor=request.user,
            language=request.POST.get("language", ""),
            source=ChangeSource.from_request(request),
        )
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("contacts:contact_list")
    return redirect(target)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        source = ChangeSource.from_request(request)
        try:
            if "revoke" in request.POST:
                services.api_token_revoke(
                    actor=request.user, token_id=int(request.POST["revoke"]), source=source
                )
                messages.success(request, _("The token is revoked."))
            else:
                _token, new_token = services.api_token_create(
                    actor=request.user, name=request.POST.get("name", ""), source=source
                )
        except (NotFound, ValueError):
            raise Http404 from None
        except ValidationFailed as exc:
            messages.error(request, "; ".join(str(e.message) for e in exc.errors))
    context = {"tokens": selectors.tokens_of(user=request.user), "new_token": new_token}
    return render(request, "accounts/profile.html", context)


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(request, "accounts/user_list.html", {"users": selectors.user_list(user=request.user)})


def _user_input(request: HttpRequest) -> services.UserInput:
    post = request.POST
    return services.UserInput(
        username=post.get("username", ""),
        first_name=post.get("first_name", ""),
        last_name=post.get("last_name", ""),
        email=post.get("email", ""),
        department_id=int(post["department_id"]) if post.get("department_id", "").isdecimal() else None,
        role_id=int(post["role_id"]) if post.get("role_id", "").isdecimal() else None,
        is_active=post.get("is_active") == "1",
        language=post.get("language", "ru"),
        password=post.get("password", ""),
    )


@login_required
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _admin_only(request)
    try:
        target = selectors.user_get(user=request.user, pk=pk) if pk else None
    except NotFound:
        raise Http404 from None
    errors: dict[str, list[str]] = {}
    data: Any = target
    if request.method == "POST":
        data = _user_input(request)
        source = ChangeSource.from_request(request)
        try:
            if target is None:
                services.user_create(actor=request.user, data=data, source=source)
            else:
                services.user_update(actor=request.user, user_id=target.pk, data=data, source=source)
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_list")
    context = {
        "target": target,
        "data": data,
        "errors": errors,
        "departments": selectors.department_list(user=request.user),
        "roles": selectors.role_list(user=request.user),
    }
    return render(request, "accounts/user_form.html", context)


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.department_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                source=ChangeSource.from_request(request),
            )
            return redirect("accounts:department_list")
        except ValidationFailed as exc:
            errors = exc.by_field()
    context = {"departments": selectors.department_list(user=request.user), "errors": errors}
    return render(request, "accounts/department_list.html", context)


@login_required
@require_GET
def role_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    context = {"roles": selectors.role_list(user=request.user), "kinds": RECORD_KINDS, "actions": ACTIONS}
    return render(request, "accounts/role_list.html", context)


@login_required
def role_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _admin_only(request)
    try:
        role = selectors.role_get(user=request.user, pk=pk) if pk else None
    except NotFound:
        raise Http404 from None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        post = request.POST
        data = services.RoleInput(
            code=post.get("code", ""),
            name_ru=post.get("name_ru", ""),
            name_en=post.get("name_en", ""),
            scope=post.get("scope", ""),
            is_admin=post.get("is_admin") == "1",
            permissions={kind: post.getlist(f"perm_{kind}") for kind in RECORD_KINDS},
        )
        try:
            services.role_save(
                actor=request.user, role_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except (ValidationFailed, PermissionDenied) as exc:
            errors = exc.by_field() if isinstance(exc, ValidationFailed) else {}
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:role_list")
    context = {
        "role": role,
        "errors": errors,
        "kinds": RECORD_KINDS,
        "actions": ACTIONS,
        "scopes": Scope.choices,
    }
    return render(request, "accounts/role_form.html", context)


@login_required
@require_GET
def journal(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    before = request.GET.get("before", "")
    try:
        batch = uuid.UUID(request.GET.get("batch", "")) if request.GET.get("batch") else None
    except ValueError:
        batch = None
    filters = selectors.JournalFilters(
        object_type=request.GET.get("type", "") if request.GET.get("type") in OBJECT_TYPE_LABELS else "",
        action=request.GET.get("action", "") if request.GET.get("action") in AuditAction.values else "",
        actor_id=form_id(request.GET.get("actor")),
        batch=batch,
    )
    entries = selectors.journal(
        user=request.user, before_id=int(before) if before.isdecimal() else None, filters=filters
    )
    context = {
        "journal": entries,
        "filters": filters,
        "types": sorted(OBJECT_TYPE_LABELS.items(), key=lambda item: str(item[1])),
        "actions": AuditAction.choices,
        "actors": selectors.users_for_journal(user=request.user),
        "query": query_without(request, "before"),
    }
    return render(request, "accounts/journal.html", context)
