"""The audit journal, for the merchant's administrators."""

from django.http import HttpResponse
from django.shortcuts import render

from .. import selectors
from ..access import MerchantRequest, merchant_required
from ..models import Role
from ..paging import keyset_page, parse_sort
from ..tables import AuditTable


@merchant_required(role=Role.ADMINISTRATOR)
def audit_list_page(request: MerchantRequest) -> HttpResponse:
    events = selectors.audit_list(merchant=request.merchant)
    sort = parse_sort("-created_at", {"created_at"}, "-created_at")
    page = keyset_page(
        events, sort=sort, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    return render(request, "backoffice/audit_list.html", {"table": AuditTable(page.rows), "page": page})
