"""Thin views: parse the request, call a selector or a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access
from crm.contacts import columns as list_columns
from crm.contacts import forms, selectors, services
from crm.contacts.models import BaseType, Company, EmailKind, MessengerKind, PhoneKind, VerificationMethod
from crm.contacts.services import bulk_changes
from crm.contacts.standard_fields import company_filled_from, contact_filled_from
from crm.core.audit import ChangeSource
from crm.core.cards import card_sections, trash_sections
from crm.core.errors import DuplicateFound, NotFound, PermissionDenied, ValidationFailed
from crm.core.htmx import hx_redirect, is_htmx
from crm.core.pagination import query_without
from crm.fields import values as custom_values
from crm.fields.forms import form_fields
from crm.fields.models import FieldType, Requirement
from crm.fields.schema import schema_for


def _choices(user: Any) -> dict[str, Any]:
    return {
        "base_types": BaseType.choices,
        "phone_kinds": PhoneKind.choices,
        "email_kinds": EmailKind.choices,
        "messenger_kinds": MessengerKind.choices,
        "verification_methods": VerificationMethod.choices,
        "statuses": selectors.statuses(),
        "owners": selectors.owners_for_filter(user=user),
        "all_tags": selectors.tags(),
        # One spelling for everyone: the text fields suggest the central lists' options.
        "source_options": schema_for("contact").list_labels("source"),
        "industry_options": schema_for("company").list_labels("industry"),
    }


def bulk_choices(user: Any, kind: str) -> dict[str, Any]:
    """The changes a bulk action on these cards offers this user (``bulk_changes.allowed``) and their
    values: tags, managers within the user's scope, statuses and base types."""
    allowed = bulk_changes.allowed(user, kind)
    return {
        "bulk_allowed": allowed,
        "bulk_tags": selectors.tags() if "tags" in allowed else [],
        "bulk_owners": selectors.owners_for_filter(user=user),
        "bulk_statuses": selectors.statuses() if "status" in allowed else [],
        "bulk_base_types": BaseType.choices,
        "bulk_can_export": kind in ("contact", "company", "deal") and access.has_perm(user, kind, "export"),
    }


def list_fields(request: HttpRequest, kind: str, items: list[Any]) -> dict[str, Any]:
    """Columns, filters and sorts a list offers this user: standard ones in use and not hidden, and the
    custom ones marked for lists (a hidden field is neither shown, nor filtered, nor sorted by)."""
    user = request.user
    schema = schema_for(kind)
    visible = schema.visible_custom(user)
    filter_fields = [s for s in visible if s.filterable]
    offered = list_columns.available(user, kind, schema)
    shown = list_columns.chosen(kind, offered, selectors.list_layout(user=user, kind=kind))
    list_columns.fill_cells(shown, items, kind)
    uses_users = any(s.field_type == FieldType.USER for s in filter_fields)
    return {
        "list_kind": kind,
        "columns": shown,
        "column_choices": list_columns.choices(offered, shown),
        "can_select": access.has_perm(user, kind, "edit"),
        **bulk_choices(user, kind),
        "show": selectors.standard_shown(user=user, kind=kind),
        # The stored percent counts every field; shown, filtered and sorted only for whom it hides nothing.
        "completeness_shown": not schema.completeness_hides_from(user),
        "filter_fields": filter_fields,
        "spec_options": {s.key: schema.choices(s) for s in filter_fields if s.choice_list_id},
        "sort_fields": selectors.sortable_fields(schema, user),
        "silent_choices": (30, 60, 90, 180, 365),
        "record_types": schema.active_types(),
        "filter_values": request.GET.dict(),
        "custom_filters_active": any(k.startswith("cf_") and v for k, v in request.GET.items()),
        "field_users": selectors.field_users() if uses_users else [],
    }


def _form_fields(request: HttpRequest, kind: str, data: Any, record: Any) -> dict[str, Any]:
    """The configured part of a card's form: the type, the custom inputs and the standard fields' state."""
    user = request.user
    schema = schema_for(kind)
    types = [t for t in schema.types.values() if t.is_active or (record and t.pk == record.record_type_id)]
    type_id = data.record_type_id or (record.record_type_id if record else None)
    if type_id is None and types:
        type_id = types[0].pk
    stored = record.custom if record is not None else None
    names = custom_values.user_names(schema, [stored or {}])
    custom = form_fields(schema, user, type_id, data.custom, stored, record is None, names)
    shown = selectors.standard_shown(user=user, kind=kind, type_id=type_id)
    levels = {s.key: schema.requirement(s, type_id) for s in schema.fields.values() if s.standard}
    wanted = (Requirement.REQUIRED, Requirement.RECOMMENDED)
    return {
        "record_types": types,
        "type_id": type_id,
        "custom_main": [f for f in custom if f.requirement in wanted],
        "custom_more": [f for f in custom if f.requirement not in wanted],
        "show": shown,
        "editable": selectors.field_editable(user=user, kind=kind),
        "required": {k: v == Requirement.REQUIRED for k, v in levels.items()},
        "more_wanted": any(v in wanted for k, v in levels.items() if k in MORE_FIELDS and shown.get(k)),
        "field_users": selectors.field_users()
        if any(f.spec.field_type == FieldType.USER for f in custom)
        else [],
    }


# Standard contact fields under "More fields": opened at once when the card's type asks for one of them.
MORE_FIELDS = {"status", "city", "address", "birthday", "tags", "messengers", "notes", "is_key"}


@login_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, "contact", "view"):
        raise Http404
    filters = forms.contact_filters(request.GET, request.user)
    sort = request.GET.get("sort", "name")
    page = selectors.contact_list(
        user=request.user,
        filters=filters,
        sort=sort,
        cursor=request.GET.get("after") or request.GET.get("before"),
    )
    context = {
        "page": page,
        "filters": filters,
        "sort": sort,
        "query": query_without(request, "after", "before"),
        "sort_query": query_without(request, "after", "before", "sort"),
        "can_create": access.has_perm(request.user, "contact", "create"),
        "can_export": access.has_perm(request.user, "contact", "export"),
        **_choices(request.user),
        **list_fields(request, "contact", page.items),
    }
    template = "contacts/_contact_rows.html" if is_htmx(request) else "contacts/contact_list.html"
    return render(request, template, context)


@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, "contact", "create"):
        raise Http404
    if request.method == "POST":
        data = forms.contact_input(request.POST)
        if request.POST.get("_refresh"):  # the type changed: show its fields, save nothing
            return _contact_form(request, data, None, None)
        try:
            contact = services.contact_create(
                actor=request.user, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            return _contact_form(request, data, exc, None)
        messages.success(request, _("The card is created."))
        return _done(request, reverse("contacts:contact_detail", args=[contact.pk]))
    initial = forms.contact_input(request.GET) if request.GET.get("company_id") else forms.ContactInput()
    return _contact_form(request, initial, None, None)


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    if not access.may_touch(request.user, contact, "contact", "edit"):
        raise Http404
    if request.method == "POST":
        data = forms.contact_input(request.POST)
        if request.POST.get("_refresh"):
            return _contact_form(request, data, None, contact)
        try:
            services.contact_update(
                actor=request.user, contact_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            return _contact_form(request, data, exc, contact)
        messages.success(request, _("Changes are saved."))
        return _done(request, reverse("contacts:contact_detail", args=[pk]))
    return _contact_form(request, forms.contact_input_from(contact), None, contact)


def _contact_form(
    request: HttpRequest, data: Any, error: ValidationFailed | None, contact: Any
) -> HttpResponse:
    company = None
    if data.company_id:
        company = Company.objects.visible_to(request.user).filter(pk=data.company_id).first()
    context = {
        "data": data,
        "contact": contact,
        "company": company,
        "errors": error.by_field() if error else {},
        "duplicates": error.matches if isinstance(error, DuplicateFound) else [],
        **_choices(request.user),
        **_form_fields(request, "contact", data, contact),
    }
    context["show_all"] = contact is not None or bool(error) or context["more_wanted"]
    template = "contacts/_contact_form.html" if is_htmx(request) else "contacts/contact_form.html"
    return render(request, template, context)


def _act(
    request: HttpRequest, call: Callable[[ChangeSource], object], message: str | None, url: str
) -> HttpResponse:
    """A POST that runs one service: 404 when missing or forbidden, refused input as a message."""
    try:
        call(ChangeSource.from_request(request))
    except (NotFound, PermissionDenied):
        raise Http404 from None
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
    else:
        if message:
            messages.success(request, message)
    return _done(request, url)


def _done(request: HttpRequest, url: str) -> HttpResponse:
    return hx_redirect(url) if is_htmx(request) else redirect(url)


def _get_contact(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.contact_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    context = {
        "contact": contact,
        "employments": list(contact.employments.all()),
        "card": selectors.card_fields(
            user=request.user, kind="contact", record=contact, filled=contact_filled_from(contact)
        ),
        "journal": selectors.journal_for(record=contact, limit=50, user=request.user),
        "can_edit": access.may_touch(request.user, contact, "contact", "edit"),
        "can_delete": access.may_touch(request.user, contact, "contact", "delete"),
        "sections": card_sections(request, "contact", contact),
    }
    return render(request, "contacts/contact_detail.html", context)


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> object:
        return services.contact_delete(actor=request.user, contact_id=pk, source=source)

    message = _("The card is in the trash. You can restore it from there.")
    return _act(request, call, message, reverse("contacts:contact_list"))


@login_required
@require_POST
def contact_restore(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> object:
        return services.contact_restore(actor=request.user, contact_id=pk, source=source)

    return _act(request, call, _("The card is restored."), reverse("contacts:contact_detail", args=[pk]))


@login_required
@require_POST
def contact_comment(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> object:
        text = request.POST.get("text", "")
        return services.contact_comment(actor=request.user, contact_id=pk, text=text, source=source)

    return _act(request, call, None, reverse("contacts:contact_detail", args=[pk]) + "#comments")


# Companies


@login_required
@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, "company", "view"):
        raise Http404
    filters = forms.company_filters(request.GET, request.user)
    sort = request.GET.get("sort", "name")
    page = selectors.company_list(
        user=request.user,
        filters=filters,
        sort=sort,
        cursor=request.GET.get("after") or request.GET.get("before"),
    )
    context = {
        "page": page,
        "filters": filters,
        "sort": sort,
        "query": query_without(request, "after", "before"),
        "sort_query": query_without(request, "after", "before", "sort"),
        "can_create": access.has_perm(request.user, "company", "create"),
        "can_export": access.has_perm(request.user, "company", "export"),
        **_choices(request.user),
        **list_fields(request, "company", page.items),
    }
    template = "contacts/_company_rows.html" if is_htmx(request) else "contacts/company_list.html"
    return render(request, template, context)


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, "company", "create"):
        raise Http404
    if request.method == "POST":
        data = forms.company_input(request.POST)
        if request.POST.get("_refresh"):
            return _company_form(request, data, None, None)
        try:
            company = services.company_create(
                actor=request.user, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            return _company_form(request, data, exc, None)
        messages.success(request, _("The company is created."))
        return _done(request, reverse("contacts:company_detail", args=[company.pk]))
    return _company_form(request, forms.CompanyInput(), None, None)


@login_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = _get_company(request, pk)
    if not access.may_touch(request.user, company, "company", "edit"):
        raise Http404
    if request.method == "POST":
        data = forms.company_input(request.POST)
        if request.POST.get("_refresh"):
            return _company_form(request, data, None, company)
        try:
            services.company_update(
                actor=request.user, company_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            return _company_form(request, data, exc, company)
        messages.success(request, _("Changes are saved."))
        return _done(request, reverse("contacts:company_detail", args=[pk]))
    return _company_form(request, forms.company_input_from(company), None, company)


def _company_form(
    request: HttpRequest, data: Any, error: ValidationFailed | None, company: Any
) -> HttpResponse:
    context = {
        "data": data,
        "company": company,
        "errors": error.by_field() if error else {},
        "duplicates": error.matches if isinstance(error, DuplicateFound) else [],
        **_choices(request.user),
        **_form_fields(request, "company", data, company),
    }
    template = "contacts/_company_form.html" if is_htmx(request) else "contacts/company_form.html"
    return render(request, template, context)


def _get_company(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.company_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = _get_company(request, pk)
    context = {
        "company": company,
        "people": selectors.company_people(user=request.user, company=company),
        "card": selectors.card_fields(
            user=request.user, kind="company", record=company, filled=company_filled_from(company)
        ),
        "journal": selectors.journal_for(record=company, limit=50, user=request.user),
        "can_edit": access.may_touch(request.user, company, "company", "edit"),
        "can_delete": access.may_touch(request.user, company, "company", "delete"),
        "can_add_person": access.has_perm(request.user, "contact", "create"),
        "sections": card_sections(request, "company", company),
    }
    return render(request, "contacts/company_detail.html", context)


@login_required
@require_POST
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> object:
        return services.company_delete(actor=request.user, company_id=pk, source=source)

    message = _("The company is in the trash. You can restore it from there.")
    return _act(request, call, message, reverse("contacts:company_list"))


@login_required
@require_POST
def company_restore(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> object:
        return services.company_restore(actor=request.user, company_id=pk, source=source)

    return _act(request, call, _("The company is restored."), reverse("contacts:company_detail", args=[pk]))


@login_required
@require_POST
def company_comment(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> object:
        text = request.POST.get("text", "")
        return services.company_comment(actor=request.user, company_id=pk, text=text, source=source)

    return _act(request, call, None, reverse("contacts:company_detail", args=[pk]) + "#comments")


@login_required
@require_GET
def company_choices(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the company field of the contact form."""
    companies = selectors.companies_for_choice(user=request.user, query=request.GET.get("company_q", ""))
    return render(request, "contacts/_company_choices.html", {"companies": companies})


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    hits = selectors.global_search(user=request.user, query=query)
    template = "contacts/_search_results.html" if is_htmx(request) else "contacts/search.html"
    return render(request, template, {"hits": hits, "q": query})


@login_required
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    contacts, companies = selectors.trash_list(user=request.user)
    context = {
        "contacts": contacts,
        "companies": companies,
        "trash_days": settings.CRM_TRASH_RETENTION_DAYS,
        "sections": trash_sections(request),
    }
    return render(request, "contacts/trash.html", context)


@login_required
@require_POST
def list_columns_save(request: HttpRequest, kind: str) -> HttpResponse:
    """Remember the columns the user chose for a list (or forget them: the defaults again)."""
    if not list_columns.may_choose(request.user, kind):
        raise Http404
    keys = None if request.POST.get("reset") else request.POST.getlist("columns")
    try:
        services.list_layout_save(actor=request.user, kind=kind, keys=keys)
    except ValidationFailed as exc:
        for message in exc.by_field().values():
            messages.error(request, " ".join(message))
    lists = {"contact": "contacts:contact_list", "company": "contacts:company_list", "task": "tasks:day_list"}
    default = lists.get(kind, "deals:deal_list")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(default)
    return redirect(back or default)
