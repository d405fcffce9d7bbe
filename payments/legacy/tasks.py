"""Thin tasks: each takes an id and calls one service; running one twice is harmless (the claim decides)."""

from celery import shared_task

from . import services


# One GET with LEGACY_CALL_TIMEOUT (10 s by default): a minute is plenty.
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def legacy_announce(payment_id: int) -> None:
    services.payment_announce(payment_pk=payment_id)


@shared_task(acks_late=True, ignore_result=True)
def legacy_announce_due() -> int:
    return services.legacy_announce_due()
