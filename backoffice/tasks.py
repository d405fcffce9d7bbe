"""Back-office jobs. Thin: ids and ISO dates in, one service call."""

from datetime import date

from celery import shared_task

from . import export_jobs, extractions


@shared_task(acks_late=True)
def export_build(export_id: int) -> None:
    """Write a large export's file. Harmless twice: only a PENDING export is claimed."""
    export_jobs.export_run(export_id=export_id)


@shared_task(acks_late=True)
def extractions_daily(business_date: str) -> list[int]:
    """The daily extraction files of `business_date` (ISO). Harmless twice: one file per merchant and day."""
    return extractions.extractions_run(business_date=date.fromisoformat(business_date))
