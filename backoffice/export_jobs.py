"""Exports of an orders search: the rows it selects, and the background job for large ones.

A search selecting at most SYNC_MAX_ROWS orders downloads at once (the view streams it). A larger one
becomes an `Export` row written by `backoffice.tasks.export_build`, which the user follows on its page.
"""

import tempfile
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation

from payments.models import Merchant, Order

from . import exports, selectors
from .filters import OrderFilter
from .models import Export, ExportFormat, ExportStatus
from .paging import parse_sort
from .tables import ORDER_SORTABLE

SYNC_MAX_ROWS = 10_000
# Parameters of the page, not of the search: dropped from the export's stored query.
PAGE_PARAMETERS = ("after", "before", "page")


class InvalidSearch(Exception):
    """A criterion does not parse: exporting without it would widen the search."""


def export_query(params: QueryDict) -> str:
    """The search's querystring, without the page's position."""
    kept = params.copy()
    for name in PAGE_PARAMETERS:
        kept.pop(name, None)
    return kept.urlencode()


def export_queryset(*, merchant: Merchant, query: str) -> QuerySet[Order]:
    """Exactly the merchant's orders the search selects, in the page's order. Raises InvalidSearch."""
    params = QueryDict(query)
    orders = selectors.order_list(merchant=merchant)
    filterset = OrderFilter(params or None, merchant=merchant, queryset=orders)
    if filterset.is_bound and not filterset.is_valid():
        raise InvalidSearch
    queryset = filterset.qs if filterset.is_bound else orders
    sort = parse_sort(params.get("sort", ""), ORDER_SORTABLE, "-created_at")
    return queryset.order_by(sort.token, "-id" if sort.descending else "id")


def count_at_most(queryset: QuerySet[Order], limit: int) -> int:
    """The row count, counted no further than limit + 1 (cheap on any merchant)."""
    return queryset.order_by()[: limit + 1].count()


def export_start(*, merchant: Merchant, user: AbstractBaseUser, query: str, format: str) -> Export:
    """Record a background export and queue its job after commit. Not idempotent: each call is one export."""
    with transaction.atomic():
        export = Export.objects.create(
            merchant=merchant,
            user=user,
            query=query[:2000],
            format=format,
            language=translation.get_language() or "fr",
        )
        from .tasks import export_build  # the task module imports this one

        transaction.on_commit(partial(export_build.delay, export.pk))
    return export


def export_run(*, export_id: int) -> Export:
    """Write an export's file. Idempotent: only a PENDING export is claimed (compare-and-set), so a
    second delivery of the job does nothing. Failures (ExportTooLarge, InvalidSearch, any error) leave
    it FAILED with the message for the user.
    """
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING
    )
    export = Export.objects.select_related("merchant").get(pk=export_id)
    if claimed != 1:
        return export
    with translation.override(export.language):
        try:
            _build(export)
        except Exception as error:
            message = str(error) if isinstance(error, exports.ExportTooLarge) else ""
            Export.objects.filter(pk=export.pk).update(
                status=ExportStatus.FAILED,
                error=(message or translation.gettext("The export failed. Please try again."))[:255],
                finished_at=timezone.now(),
            )
            if not isinstance(error, exports.ExportTooLarge | InvalidSearch):
                raise
    export.refresh_from_db()
    return export


def _build(export: Export) -> None:
    queryset = export_queryset(merchant=export.merchant, query=export.query)
    total = queryset.order_by().count()
    if export.format == ExportFormat.XLSX:
        exports.xlsx_check(total)
    Export.objects.filter(pk=export.pk).update(row_count=total)

    def progress(done: int) -> None:
        Export.objects.filter(pk=export.pk).update(progress_count=done)

    name = f"exports/{export.merchant.code}/orders-{export.pk}.{export.format}"
    with tempfile.TemporaryFile() as temp:
        write = exports.xlsx_write if export.format == ExportFormat.XLSX else exports.csv_write
        rows = write(queryset, temp, progress=progress)
        temp.seek(0)
        saved = default_storage.save(name, File(temp, name=name))
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE, file=saved, row_count=rows, progress_count=rows, finished_at=timezone.now()
    )
