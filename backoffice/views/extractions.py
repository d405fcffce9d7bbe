"""Daily extraction files: the back-office list, the option's settings, and the token API for the
merchant's own systems (`GET /mportal/api/extractions/<YYYY-MM-DD>.<csv|xlsx>`,
header `Authorization: Token <token>`)."""

from datetime import date

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import extractions, selectors
from ..access import MerchantRequest, can, merchant_required
from ..audit import audit_record
from ..forms import ExtractionSettingsForm
from ..models import AuditAction, DailyExtraction, ExtractionSettings, Role
from .exports import CONTENT_TYPES


def _settings_of(request: MerchantRequest) -> ExtractionSettings:
    found = ExtractionSettings.objects.filter(merchant=request.merchant).first()
    return found or ExtractionSettings(merchant=request.merchant)


@merchant_required()
def extraction_list_page(request: MerchantRequest) -> HttpResponse:
    current = _settings_of(request)
    may_manage = can(request, Role.ADMINISTRATOR)
    form = ExtractionSettingsForm(
        request.POST if request.method == "POST" and may_manage else None,
        initial={"enabled": current.enabled, "format": current.format, "emails": current.emails},
    )
    if form.is_bound and form.is_valid():
        extractions.extraction_settings_update(merchant=request.merchant, **form.cleaned_data)
        audit_record(action=AuditAction.EXTRACTION_SETTINGS, request=request, detail=str(form.cleaned_data))
        return redirect("backoffice:extraction-list")
    context = {
        "extractions": selectors.extraction_list(merchant=request.merchant)[:400],
        "settings": current,
        "form": form,
        "may_manage": may_manage,
    }
    return render(request, "backoffice/extraction_list.html", context)


@merchant_required(role=Role.ADMINISTRATOR)
@require_POST
def extraction_token_page(request: MerchantRequest) -> HttpResponse:
    token = extractions.extraction_token_rotate(merchant=request.merchant)
    audit_record(action=AuditAction.EXTRACTION_SETTINGS, request=request, detail="token")
    return render(request, "backoffice/extraction_token.html", {"token": token})


@merchant_required()
def extraction_download_page(request: MerchantRequest, business_date: str) -> HttpResponse:
    extraction = selectors.extraction_get(merchant=request.merchant, business_date=_parse_date(business_date))
    return _file(extraction)


@require_GET
def extraction_api(request: HttpRequest, business_date: str, format: str) -> HttpResponse:
    """For the merchant's systems: no session, a token. Wrong or missing token: 401; a day without a
    file (or in the other format): 404. The token names the merchant, so no other merchant's file is
    reachable."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    found = extractions.extraction_settings_for_token(token.strip()) if scheme == "Token" else None
    if found is None:
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Token"
        return response
    extraction = selectors.extraction_get(
        merchant=found.merchant, business_date=_parse_date(business_date), format=format
    )
    return _file(extraction)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise Http404 from error


def _file(extraction: DailyExtraction) -> FileResponse:
    return FileResponse(
        extraction.file.open("rb"),
        as_attachment=True,
        filename=extraction.file.name.rsplit("/", 1)[-1],
        content_type=CONTENT_TYPES[extraction.format],
    )
