"""The portal's front page: today's and the period's figures, refusal reasons and a 30-day chart."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language_bidi

from .. import dashboard
from ..access import MerchantRequest, merchant_required
from ..chart import day_chart


@merchant_required()
def dashboard_page(request: MerchantRequest) -> HttpResponse:
    merchant = request.merchant
    today = timezone.localdate()
    days = dashboard.parse_period(request.GET.get("days"))
    since = dashboard.period_start(days=days, today=today)
    daily = dashboard.daily_counts(merchant=merchant, days=dashboard.CHART_DAYS, today=today)
    context = {
        "days": days,
        "periods": dashboard.PERIODS,
        "today": dashboard.figures(merchant=merchant, since=dashboard.day_start(today)),
        "period": dashboard.figures(merchant=merchant, since=since),
        "period_from": since,
        "reasons": dashboard.top_refusal_reasons(merchant=merchant, since=since),
        "awaiting": dashboard.awaiting_remittance(merchant=merchant),
        "daily": daily,
        "chart": day_chart(daily, rtl=get_language_bidi()),
    }
    return render(request, "backoffice/dashboard.html", context)
