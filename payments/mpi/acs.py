"""The issuer's authentication page (ACS simulator). Its own URL space and templates: in real life it
belongs to the buyer's bank, and only the result comes back to our MPI."""

import base64
import hmac
import secrets

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from payments import selectors
from payments.cards import card_brand, mask_pan
from payments.checkout.vault import vault_get, vault_update

ONE_TIME_CODE = "123456"  # protocol section 8: this code passes, anything else fails
ECI_AUTHENTICATED = {"VISA": "05", "MASTERCARD": "02"}


@require_http_methods(["GET", "POST"])
def challenge_page(request: HttpRequest, token: str) -> HttpResponse:
    md = request.GET.get("md", "") or request.POST.get("md", "")
    order = selectors.order_for_buyer(md)
    kept = vault_get(token, order_id=md) if order else None
    if kept is None or order is None:
        raise Http404
    card, extra = kept
    with translation.override(extra.get("lang") or order.language):
        if request.method == "POST":
            passed = "cancel" not in request.POST and hmac.compare_digest(
                request.POST.get("otp", "").strip().encode(), ONE_TIME_CODE.encode()
            )
            vault_update(token, acs=_result(card.pan, passed))
            context = {"action": reverse("payments:mpi-return"), "fields": {"token": token, "md": md}}
            return render(request, "acs/return.html", context)
        context = {
            "order": order,
            "masked_pan": mask_pan(card.pan),
            "brand": card_brand(card.pan),
            "now": timezone.now(),
            "token": token,
            "md": md,
        }
        return render(request, "acs/challenge.html", context)


def _result(pan: str, passed: bool) -> dict[str, object]:
    if not passed:
        return {"ok": False}
    return {
        "ok": True,
        "eci": ECI_AUTHENTICATED.get(card_brand(pan), "05"),
        "cavv": base64.b64encode(secrets.token_bytes(20)).decode(),
        "xid": base64.b64encode(secrets.token_bytes(20)).decode(),
    }
