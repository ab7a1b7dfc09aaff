"""The review queue of possible duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access
from crm.contacts import selectors as contact_selectors
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.ids import form_id
from crm.duplicates import selectors, services


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, "contact", "view"):
        raise Http404
    owner_id = form_id(request.GET.get("owner"))
    context = {
        "pairs": selectors.queue(user=request.user, owner_id=owner_id)[:200],
        "owners": contact_selectors.owners_for_filter(user=request.user),
        "owner_id": owner_id,
        "can_run": access.can_administer(request.user),
    }
    return render(request, "duplicates/queue.html", context)


@login_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.pair_dismiss(actor=request.user, pair_id=pk, source=ChangeSource.from_request(request))
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Marked as different people: this pair will not be proposed again."))
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False)
    return redirect(back if back and safe else "duplicates:queue")


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    try:
        services.duplicates_find_start(actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The finder is comparing the base; refresh this page in a minute."))
    return redirect("duplicates:queue")


@login_required
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pair_id=pk)
    if pair is None or pair.status != "open":
        raise Http404
    first, second = pair.first, pair.second
    if request.method == "POST":
        keep = form_id(request.POST.get("survivor"))
        if keep not in (first.pk, second.pk):
            raise Http404
        other = second.pk if keep == first.pk else first.pk
        # A field's radio names the card whose value stays: "merged" when it is the other card.
        choices = {
            name.removeprefix("f-"): "merged"
            for name, card in request.POST.items()
            if name.startswith("f-") and form_id(card) == other
        }
        try:
            done = services.contacts_merge(
                actor=request.user,
                survivor_id=keep,
                merged_id=other,
                choices=choices,
                source=ChangeSource.from_request(request),
            )
        except (NotFound, PermissionDenied):
            raise Http404 from None
        except ValidationFailed as exc:
            messages.error(request, "; ".join(str(e.message) for e in exc.errors))
            return redirect("duplicates:merge", pk=pk)
        messages.success(request, _("The cards are merged. The card's page can undo it."))
        return redirect("contacts:contact_detail", pk=done.survivor_id)
    context = {
        "pair": pair,
        "first": first,
        "second": second,
        "fields": selectors.merge_fields(first, second),
    }
    return render(request, "duplicates/merge.html", context)


@login_required
@require_POST
def unmerge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        done = services.merge_undo(actor=request.user, merge_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, PermissionDenied):
        raise Http404 from None
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
        return redirect("duplicates:queue")
    messages.success(request, _("The merge is undone: both cards are back as they were."))
    return redirect("contacts:contact_detail", pk=done.merged_id)
