"""Reads the schema token at most once per request (the card and its list read the schema many times)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from crm.fields import schema


class SchemaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        schema.begin_request()
        try:
            return self.get_response(request)
        finally:
            schema.end_request()
