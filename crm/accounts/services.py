"""Writes of users, departments, roles and API tokens (administrators only, except one's own profile)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import ACTIONS, RECORD_KINDS, ApiToken, Department, Role, Scope, User
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditAction, AuditEntry

TOKEN_PREFIX = "crm_"


def _others(queryset: Any, current: Any) -> Any:
    """The queryset without the record being edited (for uniqueness checks)."""
    return queryset.exclude(pk=current.pk) if current is not None else queryset


def _require_admin(actor: User) -> None:
    if not access.can_administer(actor):
        raise PermissionDenied("administer")


@dataclass
class UserInput:
    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    department_id: int | None = None
    role_id: int | None = None
    is_active: bool = True
    language: str = "ru"
    password: str = ""


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "department": str(user.department) if user.department_id else None,
        "role": user.role.code if user.role else None,
        "is_active": user.is_active,
        "language": user.language,
    }


def _clean_user(data: UserInput, current: User | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    username = (data.username or "").strip()
    if not username:
        errors.append(FieldError("username", "required", _("Enter a login.")))
    elif _others(User.objects.filter(username__iexact=username), current).exists():
        errors.append(FieldError("username", "taken", _("This login is already taken.")))
    department = Department.objects.filter(pk=data.department_id).first() if data.department_id else None
    if data.department_id and department is None:
        errors.append(FieldError("department_id", "invalid_choice", _("Choose a department from the list.")))
    role = Role.objects.filter(pk=data.role_id).first() if data.role_id else None
    if data.role_id and role is None:
        errors.append(FieldError("role_id", "invalid_choice", _("Choose a role from the list.")))
    if data.language not in ("ru", "en"):
        errors.append(FieldError("language", "invalid_choice", _("Choose a language from the list.")))
    if data.password:
        try:
            validate_password(data.password)
        except ValidationError as exc:
            errors.extend(FieldError("password", "weak_password", m) for m in exc.messages)
    elif current is None:
        errors.append(FieldError("password", "required", _("Set a password for the new user.")))
    if errors:
        raise ValidationFailed(errors)
    return {
        "username": username,
        "first_name": data.first_name.strip(),
        "last_name": data.last_name.strip(),
        "email": data.email.strip().lower(),
        "department": department,
        "role": role,
        "is_active": data.is_active,
        "language": data.language,
    }


def user_create(*, actor: User, data: UserInput, source: ChangeSource) -> User:
    _require_admin(actor)
    clean = _clean_user(data, None)
    with transaction.atomic():
        user = User(**clean)
        user.set_password(data.password)
        user.save()
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=user,
            changes=diff({}, _user_snapshot(user)),
        )
    return user


def user_update(*, actor: User, user_id: int, data: UserInput, source: ChangeSource) -> User:
    """Deactivating a user takes their access away at once: sessions and tokens stop working."""
    _require_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound
        if user.pk == actor.pk and not data.is_active:
            raise ValidationFailed(
                [FieldError("is_active", "self_deactivate", _("You cannot deactivate yourself."))]
            )
        clean = _clean_user(data, user)
        before = _user_snapshot(user)
        department_changed = clean["department"] != user.department
        deactivated = user.is_active and not clean.get("is_active", True)
        for name, value in clean.items():
            setattr(user, name, value)
        if data.password:
            user.set_password(data.password)
        if deactivated:  # for good: activating the user again brings none of it back
            user.access_epoch += 1
            revoked = ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        user.save()
        if department_changed:
            _move_records_to_department(user)
        changes = diff(before, _user_snapshot(user))
        if data.password:
            changes["password"] = ["***", "***"]
        if deactivated:
            changes["sessions_and_tokens"] = [
                None,
                _("ended (%(tokens)d tokens revoked)") % {"tokens": revoked},
            ]
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=user, changes=changes)
    return user


# Records that copy their person's department, by the column naming that person. A head's scope is
# ``department_id = X`` alone, which is right only while these copies are (see access.scope_fields).
DEPARTMENT_COPIES = (("contacts.Contact", "owner"), ("contacts.Company", "owner"), ("tasks.Task", "assignee"))


def _move_records_to_department(user: User) -> None:
    """A user's cards and tasks move with them, one set-based UPDATE per table inside the user's own
    update: no moment exists at which the new head misses them or the old head still sees them. (A job
    in the background would be lighter for a huge book of clients, but would leave the heads' views
    wrong while it ran.)"""
    from django.apps import apps

    for label, person in DEPARTMENT_COPIES:
        model = apps.get_model(label)
        model.objects.filter(**{person: user}).exclude(department_id=user.department_id).update(
            department_id=user.department_id
        )


def profile_update(*, actor: User, language: str, source: ChangeSource) -> User:
    """A user's own preferences (language)."""
    if language not in ("ru", "en"):
        raise ValidationFailed(
            [FieldError("language", "invalid_choice", _("Choose a language from the list."))]
        )
    with transaction.atomic():
        before = actor.language
        actor.language = language
        actor.save(update_fields=["language"])
        if before != language:
            audit_record(
                actor=actor,
                source=source,
                action=AuditAction.UPDATE,
                obj=actor,
                changes={"language": [before, language]},
            )
    return actor


# Offered first in the profile; any IANA zone is accepted.
COMMON_ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "Europe/Minsk",
    "Asia/Almaty",
    "Asia/Tashkent",
    "UTC",
)


def time_zone_update(*, actor: User, zone: str, source: ChangeSource) -> User:
    """The zone a person's dates, times and morning digest follow ("" = the installation's)."""
    import zoneinfo

    zone = (zone or "").strip()
    if zone and zone not in zoneinfo.available_timezones():
        raise ValidationFailed(
            [FieldError("time_zone", "invalid_choice", _("Choose a time zone from the list."))]
        )
    with transaction.atomic():
        before = actor.time_zone
        actor.time_zone = zone
        actor.save(update_fields=["time_zone"])
        if before != zone:
            audit_record(
                actor=actor,
                source=source,
                action=AuditAction.UPDATE,
                obj=actor,
                changes={"time_zone": [before, zone]},
            )
    return actor


def department_create(*, actor: User, name: str, source: ChangeSource) -> Department:
    _require_admin(actor)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed([FieldError("name", "required", _("Enter the department's name."))])
    # Compared in Python: SQLite's case-insensitive comparison folds only ASCII, and departments are few.
    if any(d.casefold() == name.casefold() for d in Department.objects.values_list("name", flat=True)):
        raise ValidationFailed([FieldError("name", "taken", _("A department with this name exists."))])
    with transaction.atomic():
        department = Department.objects.create(name=name)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=department,
            changes={"name": [None, name]},
        )
    return department


@dataclass
class RoleInput:
    code: str
    name_ru: str
    name_en: str
    scope: str
    permissions: dict[str, list[str]]
    is_admin: bool = False


def _clean_role(data: RoleInput, current: Role | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    if not data.code.strip():
        errors.append(FieldError("code", "required", _("Enter a code.")))
    elif _others(Role.objects.filter(code=data.code.strip()), current).exists():
        errors.append(FieldError("code", "taken", _("A role with this code exists.")))
    if not data.name_ru.strip() or not data.name_en.strip():
        errors.append(FieldError("name_ru", "required", _("Enter the role's name in both languages.")))
    if data.scope not in Scope.values:
        errors.append(FieldError("scope", "invalid_choice", _("Choose a scope from the list.")))
    permissions = {kind: [a for a in ACTIONS if a in data.permissions.get(kind, [])] for kind in RECORD_KINDS}
    if errors:
        raise ValidationFailed(errors)
    return {
        "code": data.code.strip(),
        "name_ru": data.name_ru.strip(),
        "name_en": data.name_en.strip(),
        "scope": data.scope,
        "permissions": permissions,
        "is_admin": data.is_admin,
    }


def role_save(*, actor: User, role_id: int | None, data: RoleInput, source: ChangeSource) -> Role:
    """Create a role, or change one's rights and scope (applies at once to everyone holding it)."""
    _require_admin(actor)
    with transaction.atomic():
        role = Role.objects.select_for_update().filter(pk=role_id).first() if role_id else Role()
        if role is None:
            raise NotFound
        clean = _clean_role(data, role if role.pk else None)
        before = {k: getattr(role, k) for k in clean} if role.pk else {}
        for name, value in clean.items():
            setattr(role, name, value)
        role.save()
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            obj=role,
            changes=diff(before, clean),
        )
    return role


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, actor: User, name: str, source: ChangeSource) -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is shown once and never stored."""
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationFailed(
            [FieldError("name", "required", _("Name the token, e.g. after the script using it."))]
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=actor, name=name, prefix=raw[:12], key_hash=_hash(raw))
        audit_record(
            actor=actor, source=source, action=AuditAction.CREATE, obj=token, changes={"name": [None, name]}
        )
    return token, raw


def api_token_revoke(*, actor: User, token_id: int, source: ChangeSource) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, revoked_at=None).first()
        if token is None or (token.user_id != actor.pk and not access.can_administer(actor)):
            raise NotFound
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=token)
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a token; a revoked token or an inactive user gets nobody."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__role")
        .filter(key_hash=_hash(raw), revoked_at=None)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Touched at most once a minute: an audit of use without a write per request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def sign_in_lockout_record(*, username: str, source: ChangeSource) -> None:
    """Journal that sign-in was locked after too many failed attempts (a password, or an API token: then
    there is no account name, only the address). The account's entry when it exists; the attempted name
    otherwise, so a probe of names is seen too."""
    user = User.objects.filter(username=username).first() if username else None
    obj = user if user is not None else cast(Any, _Attempted(username or "—"))
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    same = AuditEntry.objects.filter(action=AuditAction.LOCKOUT, at__gte=since, ip=source.ip)
    if same.filter(object_id=obj.pk, object_repr=str(obj)[:255]).exists():
        return  # attempts during the lock-out are refused too, but the lock-out is one event
    with transaction.atomic():
        audit_record(
            actor=None,
            source=source,
            action=AuditAction.LOCKOUT,
            obj=obj,
            changes={"username": [None, username or None], "ip": [None, source.ip]},
        )


class _Attempted:
    """A sign-in name with no account behind it, as the journal names the object it is about."""

    pk = 0

    class _meta:
        label_lower = "accounts.user"

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name
