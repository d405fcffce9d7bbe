"""The payment page's context for a sample order that is never saved, for the admin's preview."""

import uuid
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from payments.checkout.forms import CardForm
from payments.models import Language, Order, PaymentMethod
from payments.services.authorization import MAX_ATTEMPTS

from .models import PageTheme
from .selectors import page_style


def sample_order(theme: PageTheme, lang: str) -> Order:
    merchant = theme.merchant
    currency = merchant.default_currency
    return Order(
        order_id=uuid.uuid4(),
        merchant=merchant,
        currency=currency,
        amount=42 * 10**currency.exponent + 5 * 10 ** max(currency.exponent - 1, 0),
        order_number="PREVIEW-0001",
        description=_("Sample order shown in the preview"),
        language=lang,
        expires_at=timezone.now(),
    )


def preview_context(*, theme: PageTheme, lang: str, url: Callable[[str], str]) -> dict[str, Any]:
    """What checkout.views.render_form gives the template, with the preview's own URLs.

    The form posts back to the preview, which only answers GET: nothing can be paid from it.
    """
    order = sample_order(theme, lang)
    contract = theme.merchant.contracts.filter(is_active=True).first()
    methods = contract.payment_methods.all() if contract else PaymentMethod.objects.all()
    return {
        "order": order,
        "merchant": theme.merchant,
        "form": CardForm(accepted_methods=set()),
        "methods": methods,
        "notice": "",
        "kept": "",
        "kept_masked": "",
        "mobile": False,
        "languages": [(code, name, url(code)) for code, name in Language.choices],
        "attempts_left": MAX_ATTEMPTS,
        "lang": lang,
        "form_action": url(lang),
        "theme": page_style(theme, lang),
    }
