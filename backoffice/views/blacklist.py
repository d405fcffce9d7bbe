"""The merchant's card blacklist ("Liste noire"): every role reads it, administrators remove cards."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..access import MerchantRequest, can, merchant_required
from ..forms import BlacklistRemoveForm
from ..fraud_display import entry_state
from ..models import Role
from ..paging import keyset_page, parse_sort
from ..tables import BlacklistTable


@merchant_required()
def blacklist_list_page(request: MerchantRequest) -> HttpResponse:
    entries = selectors.blacklist_entries(merchant=request.merchant)
    sort = parse_sort("-created_at", {"created_at"}, "-created_at")
    page = keyset_page(
        entries, sort=sort, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    may_remove = can(request, Role.ADMINISTRATOR)
    table = BlacklistTable(page.rows, may_remove=may_remove, now=timezone.now())
    context = {"table": table, "page": page, "may_remove": may_remove}
    return render(request, "backoffice/blacklist_list.html", context)


@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def blacklist_remove_page(request: MerchantRequest, entry_id: int) -> HttpResponse:
    entry = selectors.blacklist_entry_get(merchant=request.merchant, entry_id=entry_id)
    form = BlacklistRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.portal_blacklist_remove(request=request, merchant=request.merchant, entry=entry):
            messages.success(request, _("The card is off the blacklist: it can pay again."))
        else:
            messages.info(request, _("This card was already off the blacklist."))
        return redirect("backoffice:blacklist")
    context = {"entry": entry, "form": form, "state": entry_state(entry)}
    return render(request, "backoffice/blacklist_remove.html", context)
