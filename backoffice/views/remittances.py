"""Remittances to the bank ("Remises"): the list, one remittance's totals, and its bank file."""

import posixpath
from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_tables2 import RequestConfig

from .. import selectors
from ..access import MerchantRequest, merchant_required
from ..tables import RemittanceTable

PER_PAGE = 50


@merchant_required()
def remittance_list_page(request: MerchantRequest) -> HttpResponse:
    table = RemittanceTable(selectors.remittance_list(merchant=request.merchant))
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(request, "backoffice/remittance_list.html", {"table": table})


@merchant_required()
def remittance_detail_page(request: MerchantRequest, remittance_id: int) -> HttpResponse:
    remittance = selectors.remittance_get(merchant=request.merchant, remittance_id=remittance_id)
    orders_url = reverse("backoffice:order-list") + "?" + urlencode({"remittance": remittance.pk})
    context = {
        "remittance": remittance,
        "orders_url": orders_url,
        "file_name": posixpath.basename(remittance.file.name) if remittance.file else "",
    }
    return render(request, "backoffice/remittance_detail.html", context)


@merchant_required()
def remittance_file_page(request: MerchantRequest, remittance_id: int) -> FileResponse:
    """The bank file, through Django (the media directory is not public): only the merchant's own."""
    remittance = selectors.remittance_get(merchant=request.merchant, remittance_id=remittance_id)
    if not remittance.file or not default_storage.exists(remittance.file.name):
        raise Http404
    return FileResponse(
        default_storage.open(remittance.file.name, "rb"),
        as_attachment=True,
        filename=posixpath.basename(remittance.file.name),
        content_type="text/csv; charset=utf-8",
    )
