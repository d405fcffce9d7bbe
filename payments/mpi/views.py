"""Our MPI's return point: the issuer's page posts the buyer back here with the authentication result."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import selectors
from payments.cards import mask_pan
from payments.checkout import views as checkout
from payments.checkout.vault import vault_drop, vault_get
from payments.errors import OperationRefused
from payments.models import OrderStatus, ThreeDSStatus
from payments.services import authentication
from payments.services.authorization import ThreeDSResult
from payments.services.common import BUYER


@csrf_exempt  # posted by the issuer's page, another site in real life; the single-use token is the secret
@require_POST
def mpi_return(request: HttpRequest) -> HttpResponse:
    order = selectors.order_for_buyer(request.POST.get("md", ""))
    if order is None:
        raise Http404
    token = request.POST.get("token", "")
    kept = vault_get(token, order_id=str(order.order_id))
    vault_drop(token)
    lang = checkout.page_language(kept[1].get("lang", "") if kept else "", order)
    with translation.override(lang):
        if order.status != OrderStatus.AUTHENTICATING:
            return checkout.finish(request, order, lang)
        result = kept[1].get("acs") if kept else None
        if kept is None or not result or not result.get("ok"):
            masked = mask_pan(kept[0].pan) if kept else ""
            try:
                order = authentication.order_authentication_fail(
                    order_pk=order.pk, actor=BUYER, masked_pan=masked
                )
            except OperationRefused:
                order.refresh_from_db()
            return checkout.outcome(request, order, lang, bool(kept and kept[1].get("mobile")))
        card, extra = kept
        three_ds = ThreeDSResult(
            status=ThreeDSStatus.AUTHENTICATED, eci=result["eci"], cavv=result["cavv"], xid=result["xid"]
        )
        return checkout.authorize(
            request,
            order,
            card,
            buyer_ip=extra.get("buyer_ip"),
            three_ds=three_ds,
            lang=lang,
            mobile=bool(extra.get("mobile")),
            card_country=extra.get("card_country", ""),
            card_issuer=extra.get("card_issuer", ""),
        )
