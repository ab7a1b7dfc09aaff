"""Input no database can store is refused at the door, naming the field it came in.

A NUL character (``\\0``) in a text breaks PostgreSQL ("A string literal cannot contain NUL characters",
a 500 after part of a request's work) and is stored by SQLite only to break the pages that later show it.
No person types one; it comes from broken exports and from probing. So every request is checked once,
before any view: its query string, its form fields and file names, and the strings (keys and values) of
a JSON body. A request carrying one is answered 400 with the field named — in the API's error shape for
``/api/``, as the product's error page otherwise — and nothing of it reaches a service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _in_json(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield inner
            yield from _in_json(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _in_json(item, f"{path}.{index}" if path else str(index))


def _fields_with_nul(request: HttpRequest) -> list[str]:
    found = [key for key, value in request.GET.lists() if NUL in key or any(NUL in v for v in value)]
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type == "application/json":
            body = request.body
            if b"\\u0000" in body or b"\x00" in body:  # parse only what may hold one
                try:
                    found += list(_in_json(json.loads(body), ""))
                except ValueError:
                    found.append("body" if b"\x00" in body else "")
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            found += [k for k, values in request.POST.lists() if NUL in k or any(NUL in v for v in values)]
            found += [k for k, files in request.FILES.lists() if any(NUL in (f.name or "") for f in files)]
    return [field for field in found if field != ""]


class RefuseUnstorableInput:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = _fields_with_nul(request)
        if not fields:
            return self.get_response(request)
        errors = [
            {
                "field": field,
                "code": "invalid_character",
                "message": _("«%(field)s» contains a NUL character (\\0), which cannot be stored.")
                % {"field": field},
            }
            for field in dict.fromkeys(fields)
        ]
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": errors}, status=400)
        context = {"title": _("Bad request"), "message": " ".join(e["message"] for e in errors), "code": 400}
        return render(request, "error.html", context, status=400)
