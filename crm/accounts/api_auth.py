from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from crm.accounts.middleware import activate_for
from crm.accounts.services import api_token_authenticate


class ApiTokenBackend:
    """An authentication backend for API tokens, so that a token goes through ``authenticate()`` like a
    password: django-axes counts the failures and refuses an address that keeps guessing."""

    def authenticate(self, request: HttpRequest | None, api_token: str | None = None, **_: Any) -> Any:
        return api_token_authenticate(api_token) if api_token else None

    def get_user(self, user_id: int) -> Any:
        return None  # tokens make no sessions


class TokenAuth(HttpBearer):
    """Personal API tokens: ``Authorization: Bearer crm_…``. The request acts as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            user = authenticate(request, api_token=token)
        except AxesBackendPermissionDenied:
            from crm.accounts.lockout import message

            raise HttpError(429, message()) from None
        if user is not None:
            request.user = user
            activate_for(request, user)
        return user
