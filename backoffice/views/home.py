"""The portal's front page: a short summary until the dashboard arrives."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import selectors
from ..access import MerchantRequest, merchant_required


@merchant_required()
def home_page(request: MerchantRequest) -> HttpResponse:
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    recent = selectors.order_list(merchant=request.merchant).order_by("-created_at", "-id")[:10]
    context = {"recent": recent, "today": today}
    return render(request, "backoffice/home.html", context)
