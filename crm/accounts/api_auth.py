from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from crm.accounts.middleware import activate_for
from crm.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """Personal API tokens: ``Authorization: Bearer crm_…``. The request acts as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
            activate_for(request, user)
        return user
