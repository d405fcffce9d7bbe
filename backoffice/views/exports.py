"""Export of the current orders search (CSV or XLSX): at once when small, else as a background job."""

import tempfile
from datetime import datetime

from django.contrib import messages
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from .. import export_jobs, exports, selectors
from ..access import MerchantRequest, merchant_required
from ..audit import audit_record
from ..models import AuditAction, AuditOutcome, ExportFormat, ExportStatus

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@merchant_required()
@require_POST
def export_create_page(request: MerchantRequest) -> HttpResponse:
    format = request.POST.get("format", "")
    if format not in ExportFormat.values:
        return HttpResponseBadRequest()
    query = export_jobs.export_query(request.GET)
    back = f"{reverse('backoffice:order-list')}?{query}"
    try:
        queryset = export_jobs.export_queryset(merchant=request.merchant, query=query)
        count = export_jobs.count_at_most(queryset, export_jobs.SYNC_MAX_ROWS)
        if format == ExportFormat.XLSX and count > export_jobs.SYNC_MAX_ROWS:
            exports.xlsx_check(export_jobs.count_at_most(queryset, exports.XLSX_MAX_ROWS))
    except export_jobs.InvalidSearch:
        messages.error(request, gettext("Correct the search before exporting it."))
        return redirect(back)
    except exports.ExportTooLarge as error:
        audit_record(action=AuditAction.EXPORT, request=request, outcome=AuditOutcome.REFUSED, detail=query)
        messages.error(request, str(error))
        return redirect(back)
    if count > export_jobs.SYNC_MAX_ROWS:
        export = export_jobs.export_start(
            merchant=request.merchant, user=request.user, query=query, format=format
        )
        audit_record(action=AuditAction.EXPORT, request=request, target=export, detail=f"{format} {query}")
        return redirect("backoffice:export-detail", export_id=export.pk)
    audit_record(action=AuditAction.EXPORT, request=request, detail=f"{format} {count} {query}")
    filename = f"orders-{request.merchant.code}-{timezone.localtime():%Y%m%d-%H%M%S}.{format}"
    if format == ExportFormat.CSV:
        response = StreamingHttpResponse(exports.csv_chunks(queryset), content_type=CONTENT_TYPES[format])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    temp = tempfile.TemporaryFile()  # noqa: SIM115  closed, hence deleted, by FileResponse once sent
    exports.xlsx_write(queryset, temp)
    temp.seek(0)
    return FileResponse(temp, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[format])


@merchant_required()
def export_detail_page(request: MerchantRequest, export_id: int) -> HttpResponse:
    export = selectors.export_get(merchant=request.merchant, export_id=export_id)
    working = export.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
    return render(request, "backoffice/export_detail.html", {"export": export, "working": working})


@merchant_required()
def export_download_page(request: MerchantRequest, export_id: int) -> HttpResponse:
    export = selectors.export_get(merchant=request.merchant, export_id=export_id)
    if export.status != ExportStatus.DONE:
        return redirect("backoffice:export-detail", export_id=export.pk)
    stamp: datetime = timezone.localtime(export.created_at)
    filename = f"orders-{request.merchant.code}-{stamp:%Y%m%d-%H%M%S}.{export.format}"
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=CONTENT_TYPES[export.format],
    )
