"""Thin views of deals: the board of a pipeline, the list, a deal's page and form, moves, and the
administrator's pipelines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access
from crm.accounts.selectors import colleagues
from crm.contacts import columns as list_columns
from crm.contacts.selectors import field_users, global_search
from crm.contacts.views import bulk_choices
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.ids import form_id
from crm.core.pagination import query_without
from crm.deals import forms, selectors, services, standard_fields
from crm.deals.models import Deal, OrderStatus, Pipeline, StageKind
from crm.deals.money import CURRENCIES, money
from crm.deals.templatetags.deals import sums as sums_text
from crm.deals.visibility import KIND, may
from crm.fields import values as custom_values
from crm.fields.forms import custom_from_post
from crm.fields.forms import form_fields as custom_form_fields
from crm.fields.models import FieldType
from crm.fields.schema import schema_for


def _require(request: HttpRequest, action: str) -> None:
    if not access.has_perm(request.user, KIND, action):
        raise Http404


def _filter_context(request: HttpRequest, query: QueryDict) -> dict[str, Any]:
    seen = standard_fields.shown(request.user, None)  # the role's sight; a type's is the board's own
    return {
        "filters": query,
        "owners": colleagues(user=request.user),
        "sources": selectors.sources(),
        "seen": seen,
    }


def deal_stage_choices(user: Any) -> dict[str, Any]:
    """What a bulk move of deals offers: the stages of the pipelines in use, and the loss reasons a move
    to a lost stage asks for."""
    return {"bulk_pipelines": selectors.pipelines(user=user), "bulk_loss_reasons": selectors.loss_reasons()}


@login_required
@require_GET
def board(request: HttpRequest, pipeline_id: int | None = None) -> HttpResponse:
    _require(request, "view")
    try:
        pipeline = selectors.pipeline_get(pk=pipeline_id)
    except NotFound as exc:
        if pipeline_id is not None:
            raise Http404 from exc
        return render(
            request, "deals/no_pipeline.html", {"can_administer": access.can_administer(request.user)}
        )
    context = _board_context(request, pipeline, request.GET)
    context |= _filter_context(request, request.GET) | {
        "pipelines": selectors.pipelines(user=request.user),
        "can_create": access.has_perm(request.user, KIND, "create"),
        "can_administer": access.can_administer(request.user),
    }
    return render(request, "deals/board.html", context)


def _board_context(request: HttpRequest, pipeline: Pipeline, query: QueryDict) -> dict[str, Any]:
    filters = selectors.Filters.from_query(query, request.user)
    return {
        "pipeline": pipeline,
        "show_amount": standard_fields.shown(request.user, pipeline.record_type_id)["amount"],
        "columns": selectors.board(user=request.user, pipeline=pipeline, filters=filters),
        "filter_query": query_without_paging(query),
        "can_move": access.has_perm(request.user, KIND, "edit"),
        "loss_reasons": selectors.loss_reasons(),
    }


def query_without_paging(query: QueryDict) -> str:
    params = query.copy()
    for name in ("after", "filters", "stage_id", "loss_reason_id", "loss_comment", "csrfmiddlewaretoken"):
        params.pop(name, None)
    return str(params.urlencode())


@login_required
@require_GET
def column(request: HttpRequest, stage_id: int) -> HttpResponse:
    """More cards of one column (the "more" button at its foot)."""
    _require(request, "view")
    stage = selectors.stage_get(pk=stage_id)
    if stage is None:
        raise Http404
    page = selectors.column_page(
        user=request.user,
        stage=stage,
        filters=selectors.Filters.from_query(request.GET, request.user),
        cursor=request.GET.get("after"),
    )
    return render(
        request,
        "deals/_column_more.html",
        {
            "page": page,
            "stage": stage,
            "filter_query": query_without_paging(request.GET),
            "can_move": True,
            "show_amount": standard_fields.shown(request.user, stage.pipeline.record_type_id)["amount"],
        },
    )


@login_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    _require(request, "view")
    filters = selectors.Filters.from_query(request.GET, request.user)
    pipeline_id = form_id(request.GET.get("pipeline"))
    sort = request.GET.get("sort", "new")
    if sort == "amount" and not standard_fields.shown(request.user, None)["amount"]:
        sort = "new"  # an order by a hidden amount would tell it
    page = selectors.deal_list(
        user=request.user,
        filters=filters,
        pipeline_id=pipeline_id,
        sort=sort,
        cursor=request.GET.get("after"),
    )
    context = _filter_context(request, request.GET) | {
        "page": page,
        "sort": sort,
        **list_columns.list_context(request.user, KIND, page.items),
        "can_select": access.has_perm(request.user, KIND, "edit"),
        "can_export": access.has_perm(request.user, KIND, "export"),
        **deal_stage_choices(request.user),
        **bulk_choices(request.user, KIND),
        "pipelines": selectors.pipelines(user=request.user),
        "statuses": StageKind.choices,
        "paging_query": query_without(request, "after"),
        "can_create": access.has_perm(request.user, KIND, "create"),
    }
    return render(request, "deals/deal_list.html", context)


def _form_context(
    request: HttpRequest, values: dict[str, Any], errors: dict[str, list[str]], deal: Deal | None
) -> dict[str, Any]:
    contact_id, company_id = form_id(values.get("contact_id")), form_id(values.get("company_id"))
    posted = custom_from_post(request.POST) if request.method == "POST" else None
    type_id = selectors.type_of(
        stage_id=values.get("stage_id"), pipeline_id=values.get("pipeline_id"), deal=deal
    )
    return {
        **_custom_inputs(request, type_id, posted, deal),
        "form": values,
        "errors": errors,
        "deal": deal,
        "pipelines": selectors.pipelines(user=request.user),
        "owners": colleagues(user=request.user),
        "sources": selectors.sources(keep=values.get("source_id") or None),
        "loss_reasons": selectors.loss_reasons(keep=values.get("loss_reason_id") or None),
        "currencies": CURRENCIES,
        "client": selectors.client_names(user=request.user, contact_id=contact_id, company_id=company_id),
    }


def _custom_inputs(
    request: HttpRequest, type_id: int | None, posted: dict[str, Any] | None, deal: Deal | None
) -> dict[str, Any]:
    """The inputs of a deal of this type (its pipeline's) that depend on the type, as the user may see
    and change them: the configurable standard fields and the custom ones."""
    schema = schema_for(KIND)
    stored = deal.custom if deal is not None else None
    names = custom_values.user_names(schema, [stored or {}])
    fields = custom_form_fields(schema, request.user, type_id, posted, stored, deal is None, names)
    uses_users = any(f.spec.field_type == FieldType.USER for f in fields)
    return {
        "custom_fields": fields,
        "field_users": field_users() if uses_users else [],
        "show": standard_fields.shown(request.user, type_id),
        "edit": standard_fields.editable(request.user, type_id),
    }


@login_required
@require_GET
def deal_fields(request: HttpRequest) -> HttpResponse:
    """The form's custom fields for the stage just chosen (another pipeline may hold another type)."""
    deal = None
    if (pk := form_id(request.GET.get("deal"))) is not None:
        deal = _get(request, pk)
    elif not access.has_perm(request.user, KIND, "create"):
        raise Http404
    type_id = selectors.type_of(stage_id=form_id(request.GET.get("stage_id")), deal=deal)
    # What the form holds so far comes along (hx-include), so nothing typed is lost in the swap.
    form = forms.initial(deal) | {k: v for k, v in request.GET.items() if not k.startswith("cf_")}
    posted = custom_from_post(request.GET) if request.GET.getlist("cf__keys") else None
    context = _custom_inputs(request, type_id, posted, deal) | {
        "errors": {},
        "form": form,
        "sources": selectors.sources(keep=form.get("source_id") or None),
        "currencies": CURRENCIES,
    }
    return render(request, "deals/_custom_inputs.html", context)


@login_required
def deal_create(request: HttpRequest) -> HttpResponse:
    _require(request, "create")
    defaults = {
        k: request.GET[k] for k in ("contact_id", "company_id", "pipeline_id", "title") if request.GET.get(k)
    }
    values, errors = forms.initial(None, **defaults), {}
    if request.method == "POST":
        data = forms.deal_input(request.POST)
        try:
            deal = services.deal_create(
                actor=request.user, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            values, errors = request.POST.dict(), forms.with_parse_errors(data, exc)
        except (NotFound, PermissionDenied) as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The deal is created."))
            return redirect("deals:deal_detail", pk=deal.pk)
    return render(
        request,
        "deals/deal_form.html",
        _form_context(request, values, errors, None),
        status=422 if errors else 200,
    )


@login_required
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _get(request, pk)
    if not may(request.user, deal, "edit"):
        raise Http404
    values, errors = forms.initial(deal), {}
    if request.method == "POST":
        data = forms.deal_input(request.POST)
        try:
            services.deal_update(
                actor=request.user, deal_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            values, errors = request.POST.dict(), forms.with_parse_errors(data, exc)
        except (NotFound, PermissionDenied) as exc:
            raise Http404 from exc
        else:
            return redirect("deals:deal_detail", pk=pk)
    return render(
        request,
        "deals/deal_form.html",
        _form_context(request, values, errors, deal),
        status=422 if errors else 200,
    )


@login_required
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _get(request, pk)
    return render(
        request,
        "deals/deal_detail.html",
        {
            "deal": deal,
            "amount": money(deal.amount, deal.currency),
            "stages": list(deal.pipeline.stages.all()),
            "history": selectors.stage_history(deal=deal),
            "lines": selectors.deal_lines(deal=deal),
            "products": selectors.products(),
            "orders": selectors.deal_orders(user=request.user, deal=deal),
            "journal": selectors.deal_journal(deal=deal, user=request.user),
            "source": selectors.option_label(deal.source_id),
            "loss_reason": selectors.option_label(deal.loss_reason_id),
            "loss_reasons": selectors.loss_reasons(keep=deal.loss_reason_id),
            "can_edit": may(request.user, deal, "edit"),
            "can_delete": may(request.user, deal, "delete"),
            "card": selectors.custom_card(user=request.user, deal=deal),
            "show": standard_fields.shown(request.user, deal.record_type_id),
            "can_edit_lines": may(request.user, deal, "edit")
            and standard_fields.editable(request.user, deal.record_type_id)["amount"],
            "record_type": schema_for(KIND).types.get(deal.record_type_id or 0),
        },
    )


def _get(request: HttpRequest, pk: int) -> Deal:
    try:
        return selectors.deal_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A drop on the board (answered with the new counts and sums of the two columns it changed, or 422
    and the fields' errors, as JSON) or the stage form of the deal's page (answered with the page)."""
    from_board = request.headers.get("X-Requested-With") == "fetch"
    try:
        deal = services.deal_move(
            actor=request.user,
            deal_id=pk,
            stage_id=form_id(request.POST.get("stage_id")) or 0,
            loss_reason_id=form_id(request.POST.get("loss_reason_id")),
            loss_comment=request.POST.get("loss_comment", ""),
            source=ChangeSource.from_request(request),
        )
    except ValidationFailed as exc:
        if from_board:
            return JsonResponse({"errors": exc.by_field()}, status=422)
        for error in exc.errors:
            messages.error(request, str(error.message))
        return redirect("deals:deal_detail", pk=pk)
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    if not from_board:
        return redirect("deals:deal_detail", pk=pk)
    changed = [deal.stage_id] + ([left] if (left := form_id(request.POST.get("from_stage_id"))) else [])
    sums = selectors.column_sums(
        user=request.user,
        pipeline_id=deal.pipeline_id,
        filters=selectors.Filters.from_query(QueryDict(request.POST.get("filters", "")), request.user),
        stage_ids=changed,
    )
    show_amount = standard_fields.shown(request.user, deal.record_type_id)["amount"]
    columns = {
        str(stage_id): {
            "count": sums.get(stage_id, {}).get("count", 0),
            "sum": sums_text(sums.get(stage_id, {}).get("totals", [])) if show_amount else "",
        }
        for stage_id in changed
    }
    return JsonResponse({"columns": columns})


@login_required
@require_POST
def deal_check(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> Any:
        item, done = request.POST.get("item", ""), request.POST.get("done") == "1"
        return services.deal_check(actor=request.user, deal_id=pk, item=item, done=done, source=source)

    return _act(request, call, "deals:deal_detail", pk)


@login_required
@require_POST
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        deal = services.deal_delete(actor=request.user, deal_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    messages.success(request, _("The deal is in the trash."))
    return redirect("deals:pipeline_board", pipeline_id=deal.pipeline_id)


@login_required
@require_POST
def deal_restore(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.deal_restore(actor=request.user, deal_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    messages.success(request, _("The deal is restored."))
    return redirect("deals:deal_detail", pk=pk)


@login_required
@require_GET
def client_choices(request: HttpRequest) -> HttpResponse:
    """Autocomplete of the deal form's client: people and companies the user sees."""
    hits = global_search(user=request.user, query=request.GET.get("client_q", ""))
    return render(request, "deals/_client_choices.html", {"hits": hits})


# Pipelines (administrators)


def _administrator(request: HttpRequest) -> None:
    if not access.can_administer(request.user):
        raise Http404


@login_required
@require_GET
def pipeline_list(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    return render(
        request,
        "deals/pipeline_list.html",
        {"pipelines": selectors.pipelines(user=request.user, with_inactive=True)},
    )


@login_required
def pipeline_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _administrator(request)
    pipeline = None
    if pk is not None:
        try:
            pipeline = selectors.pipeline_get(pk=pk, with_inactive=True)
        except NotFound as exc:
            raise Http404 from exc
    errors: dict[str, list[str]] = {}
    data = forms.pipeline_initial(pipeline)
    if request.method == "POST":
        data = forms.pipeline_input(request.POST)
        try:
            saved = services.pipeline_save(
                actor=request.user, pipeline_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            errors = exc.by_field()
        except NotFound as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The pipeline is saved."))
            return redirect("deals:pipeline_board", pipeline_id=saved.pk)
    context = {
        "pipeline": pipeline,
        "data": data,
        "errors": errors,
        "kinds": StageKind.choices,
        "colleagues": colleagues(user=request.user),
        "deal_types": schema_for(KIND).types.values(),
    }
    return render(request, "deals/pipeline_form.html", context, status=422 if errors else 200)


# Lines, products, orders (R4.5)


@login_required
@require_POST
def deal_lines(request: HttpRequest, pk: int) -> HttpResponse:
    lines = forms.lines_input(request.POST)

    def call(source: ChangeSource) -> Any:
        return services.deal_lines_save(actor=request.user, deal_id=pk, lines=lines, source=source)

    return _act(request, call, "deals:deal_detail", pk)


def _act(request: HttpRequest, call: Callable[[ChangeSource], Any], back: str, *args: Any) -> HttpResponse:
    """Run a write from a page's button or form; its refusals come back as messages naming the field
    (a line's with its number), a record the user may not reach as 404; then back to the page."""
    try:
        call(ChangeSource.from_request(request))
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, f"{_line_label(error.field)}{error.message}")
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    return redirect(back, *args)


def _line_label(field: str) -> str:
    """ "lines.2.price" → "Line 2: " so a message names the row it is about."""
    parts = field.split(".")
    return _("Line %(n)s: ") % {"n": parts[1]} if len(parts) > 2 and parts[0] == "lines" else ""


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    _require(request, "view")
    query = request.GET.get("q", "")
    context = {
        "products": selectors.products(query=query, with_inactive=True),
        "q": query,
        "can_administer": access.can_administer(request.user),
    }
    return render(request, "deals/product_list.html", context)


@login_required
def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _administrator(request)
    product = None
    if pk is not None:
        try:
            product = selectors.product_get(pk=pk)
        except NotFound as exc:
            raise Http404 from exc
    values: dict[str, Any] = forms.product_initial(product)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.product_save(
                actor=request.user,
                product_id=pk,
                data=forms.product_input(request.POST),
                source=ChangeSource.from_request(request),
            )
        except ValidationFailed as exc:
            values, errors = request.POST.dict(), exc.by_field()
        except NotFound as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The product is saved."))
            return redirect("deals:product_list")
    context = {"product": product, "form": values, "errors": errors, "currencies": CURRENCIES}
    return render(request, "deals/product_form.html", context, status=422 if errors else 200)


@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    _require(request, "create")
    defaults = {k: request.GET[k] for k in ("contact_id", "company_id", "deal_id") if request.GET.get(k)}
    values: dict[str, Any] = {"currency": "RUB", "status": "new"} | defaults
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = forms.order_input(request.POST)
        try:
            order = services.order_create(
                actor=request.user, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            values, errors = request.POST.dict(), forms.with_parse_errors(data, exc)
            values["lines"] = forms.posted_lines(request.POST)
        except (NotFound, PermissionDenied) as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The order is saved."))
            return redirect("deals:order_detail", pk=order.pk)
    contact_id, company_id = form_id(values.get("contact_id")), form_id(values.get("company_id"))
    context = {
        "form": values,
        "errors": errors,
        "client": selectors.client_names(user=request.user, contact_id=contact_id, company_id=company_id),
        "products": selectors.products(),
        "currencies": CURRENCIES,
        "statuses": OrderStatus.choices,
        "line_errors": [
            f"{_line_label(name)}{message}"
            for name, found in errors.items()
            if name.startswith("lines")
            for message in found
        ],
    }
    return render(request, "deals/order_form.html", context, status=422 if errors else 200)


@login_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = selectors.order_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    context = {
        "order": order,
        "lines": selectors.order_lines(order=order),
        "payments": selectors.order_payments(order=order),
        "journal": selectors.order_journal(order=order),
        "can_edit": access.has_perm(request.user, KIND, "edit"),
        "can_delete": access.has_perm(request.user, KIND, "delete"),
        "due": max(order.amount - order.paid, 0),
    }
    return render(request, "deals/order_detail.html", context)


@login_required
@require_POST
def order_pay(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> Any:
        amount, note = request.POST.get("amount", ""), request.POST.get("note", "")
        return services.payment_add(actor=request.user, order_id=pk, amount=amount, note=note, source=source)

    return _act(request, call, "deals:order_detail", pk)


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> Any:
        return services.order_cancel(actor=request.user, order_id=pk, source=source)

    return _act(request, call, "deals:order_detail", pk)


@login_required
@require_POST
def order_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = services.order_delete(
            actor=request.user, order_id=pk, source=ChangeSource.from_request(request)
        )
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    messages.success(request, _("The order is in the trash."))
    if order.contact_id:
        return redirect("contacts:contact_detail", pk=order.contact_id)
    if order.company_id:
        return redirect("contacts:company_detail", pk=order.company_id)
    return redirect("deals:board")


@login_required
@require_POST
def order_restore(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.order_restore(actor=request.user, order_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    messages.success(request, _("The order is restored."))
    return redirect("deals:order_detail", pk=pk)
