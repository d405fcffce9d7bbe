"""What every `*.do` method shares: parameters, language, authentication, and errors in its own format."""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from payments.errors import ErrorCode, OperationRefused
from payments.models import ApiAccount
from payments.services import credentials
from payments.services.credentials import StaleCredentials

from . import params, throttle
from .params import LANGUAGES

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest, dict[str, str], ApiAccount], dict[str, Any]]


def json_answer(payload: dict[str, Any]) -> JsonResponse:
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _authenticate(request: HttpRequest, values: dict[str, str], *, guarded: bool) -> ApiAccount:
    """The caller's API account. `guarded`: the handler checks the account's row versions itself in its
    statement (raising StaleCredentials if they changed), so an account verified earlier may be reused."""
    ip = client_ip(request)
    if throttle.is_blocked(ip):
        raise _denied()
    username, password = values.get("userName", ""), values.get("password", "")
    if not (username and password and "\x00" not in username):  # PostgreSQL refuses NUL in text
        account = None
    elif guarded and (known := credentials.api_account_cached(username=username, password=password)):
        return known
    else:
        account = credentials.api_account_verify(username=username, password=password)
    if account is None:
        throttle.note_failure(ip)
        raise _denied()
    return account


def _denied() -> OperationRefused:
    return OperationRefused(ErrorCode.BAD_VALUE, _("Access denied."))


def _answer(request: HttpRequest, values: dict[str, str], handler: Handler, guarded: bool) -> dict[str, Any]:
    account = _authenticate(request, values, guarded=guarded)
    if credentials.versions_of(account) is None:
        return _handle(request, values, handler, account)
    try:
        return _handle(request, values, handler, account)
    except (StaleCredentials, OperationRefused):
        # Verified earlier by this process and not re-read: the account or merchant changed (the guarded
        # statement wrote nothing), or the call is refused anyway. Either way answer from a fresh read, so
        # a revoked account only ever hears "Access denied".
        credentials.api_account_forget(username=values["userName"], password=values["password"])
        return _handle(request, values, handler, _authenticate(request, values, guarded=False))


def _handle(
    request: HttpRequest, values: dict[str, str], handler: Handler, account: ApiAccount
) -> dict[str, Any]:
    asked = values.get("language", "")
    language = asked if asked in LANGUAGES else account.merchant.default_language
    if language == translation.get_language():  # the view's language already: no second switch
        return handler(request, values, account)
    with translation.override(language):
        return handler(request, values, account)


def protocol_method(
    *, capitalised: bool = False, guarded: bool = False
) -> Callable[[Handler], Callable[[HttpRequest], JsonResponse]]:
    """Wrap a method's handler: any failure answers HTTP 200 with the protocol's error keys, never a 500.

    `guarded`: the handler honours the account's `row_versions` (see credentials.RowVersions).
    """
    code_key, message_key = ("ErrorCode", "ErrorMessage") if capitalised else ("errorCode", "errorMessage")

    def decorate(handler: Handler) -> Callable[[HttpRequest], JsonResponse]:
        @csrf_exempt
        @require_http_methods(["GET", "POST"])
        @wraps(handler)
        def view(request: HttpRequest) -> JsonResponse:
            values = params.merged_params(request)
            asked = values.get("language", "")
            with translation.override(asked if asked in LANGUAGES else settings.LANGUAGE_CODE):
                try:
                    return json_answer(_answer(request, values, handler, guarded))
                except OperationRefused as refusal:
                    return json_answer({code_key: str(int(refusal.code)), message_key: refusal.message})
                except Exception:
                    logger.exception("%s failed", request.path)
                    return json_answer(
                        {code_key: str(int(ErrorCode.BAD_STATE)), message_key: _("System error.")}
                    )

        return view

    return decorate


SUCCESS = {"errorCode": "0", "errorMessage": "Success"}
