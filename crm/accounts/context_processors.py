from typing import Any

from django.http import HttpRequest

from crm.accounts import access


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "can_administer": access.can_administer(user),
        "can_see_companies": access.has_perm(user, "company", "view"),
        "can_see_contacts": access.has_perm(user, "contact", "view"),
        "can_see_deals": access.has_perm(user, "deal", "view"),
        "can_import": access.has_perm(user, "contact", "import"),
    }
