"""Contract parameters (read-only) and the credentials an administrator may renew, shown once."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..access import MerchantRequest, can, merchant_required
from ..forms import IdempotentForm
from ..models import Role


@merchant_required()
def contract_page(request: MerchantRequest) -> HttpResponse:
    merchant = request.merchant
    context = {
        "merchant": merchant,
        "contracts": selectors.merchant_contracts(merchant=merchant),
        "api_accounts": selectors.merchant_api_accounts(merchant=merchant),
        "remittance_cutoff": settings.REMITTANCE_CUTOFF,
        "is_admin": can(request, Role.ADMINISTRATOR),
    }
    return render(request, "backoffice/contract.html", context)


def _shown_once(request: MerchantRequest, title: str, value: str, name: str) -> HttpResponse:
    # Rendered in the POST's answer, never stored or redirected to: reloading cannot show it again.
    response = render(
        request, "backoffice/credential_shown.html", {"title": title, "value": value, "name": name}
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def api_password_page(request: MerchantRequest, account_id: int) -> HttpResponse:
    account = selectors.api_account_get(merchant=request.merchant, account_id=account_id)
    form = IdempotentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = services.portal_api_password_change(
            request=request, merchant=request.merchant, account=account
        )
        return _shown_once(request, "api", password, account.username)
    return render(
        request, "backoffice/credential_confirm.html", {"form": form, "kind": "api", "account": account}
    )


@never_cache
@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def callback_key_page(request: MerchantRequest) -> HttpResponse:
    form = IdempotentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = services.merchant_callback_key_rotate(request=request, merchant=request.merchant)
        return _shown_once(request, "callback", key, request.merchant.code)
    return render(request, "backoffice/credential_confirm.html", {"form": form, "kind": "callback"})
