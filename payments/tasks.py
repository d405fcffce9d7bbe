from datetime import date

from celery import shared_task

from payments.services import orders, remittance


@shared_task(acks_late=True)
def orders_expire_due() -> int:
    return orders.orders_expire_due()


@shared_task(acks_late=True)
def remittance_daily(business_date: str | None = None) -> list[int]:
    """The remittance of `business_date` (ISO; default: the latest day whose cut-off has passed).

    Harmless twice: a day's remittances are built once (see remittance_run). Returns the ids built now.
    """
    day = date.fromisoformat(business_date) if business_date else remittance.business_date_due()
    built = [done.pk for done in remittance.remittance_run(until=None, business_date=day)]
    # Then the daily extraction files, which read the remittances just built (issue 6 part 3).
    from backoffice.tasks import extractions_daily  # here: the back-office builds on payments

    extractions_daily.delay(day.isoformat())
    return built


@shared_task(acks_late=True)
def holds_reverse_expired() -> list[int]:
    """Release pre-authorization holds past their contract's hold period. Harmless twice."""
    return remittance.holds_reverse_expired()
