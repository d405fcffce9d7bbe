"""Orders search ("Commandes") and order details."""

from django.http import HttpResponse
from django.shortcuts import render

from .. import selectors
from ..access import MerchantRequest, can, merchant_required
from ..actions import order_action_states
from ..filters import OrderFilter
from ..fraud_display import fraud_check_explained
from ..models import Role
from ..paging import keyset_page, parse_sort
from ..tables import ORDER_SORTABLE, OrderTable

PER_PAGE = 50


@merchant_required()
def order_list_page(request: MerchantRequest) -> HttpResponse:
    orders = selectors.order_list(merchant=request.merchant)
    filterset = OrderFilter(request.GET or None, merchant=request.merchant, queryset=orders)
    # A criterion that does not parse must not be dropped silently (it would widen the search).
    queryset = orders if not filterset.is_bound else filterset.qs if filterset.is_valid() else orders.none()
    sort = parse_sort(request.GET.get("sort", ""), ORDER_SORTABLE, "-created_at")
    page = keyset_page(
        queryset.only(*OrderTable.READ),  # a row of the list, not the order's 50 columns
        sort=sort,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        per_page=PER_PAGE,
    )
    table = OrderTable(page.rows, descriptions=filterset.descriptions, order_by=sort.token)
    return render(
        request,
        "backoffice/order_list.html",
        {"filter": filterset, "table": table, "page": page},
    )


@merchant_required()
def order_detail_page(request: MerchantRequest, order_id: str) -> HttpResponse:
    merchant = request.merchant
    order = selectors.order_get(merchant=merchant, order_id=selectors.parse_uuid(order_id))
    entry = selectors.order_blacklist_entry(merchant=merchant, order=order)
    descriptions = selectors.action_code_descriptions()
    fraud_checks = list(selectors.order_fraud_checks(merchant=merchant, order=order))
    context = {
        "order": order,
        "operations": selectors.order_operations(merchant=merchant, order=order),
        "fraud_checks": fraud_checks,
        "fraud_explained": [fraud_check_explained(check) for check in fraud_checks],
        "blacklist_entry": entry,
        "deliveries": selectors.order_deliveries(merchant=merchant, order=order),
        "actions": order_action_states(order, entry),
        "may_act": can(request, Role.OPERATOR),
        "action_description": descriptions.get(order.action_code, ""),
        "descriptions": descriptions,
    }
    return render(request, "backoffice/order_detail.html", context)
