from django.http import HttpRequest, HttpResponse


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def hx_redirect(url: str) -> HttpResponse:
    """Tell HTMX to navigate (a full page load) after a successful form post."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response
