"""Thin tasks: each takes an id and calls one service; running one twice is harmless (the claim decides)."""

from celery import shared_task

from . import services


# The HTTP timeout is CALLBACK_TIMEOUT (10 s by default): a minute is plenty for one attempt.
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def callback_deliver(delivery_id: int) -> None:
    services.callback_deliver(delivery_pk=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def callbacks_retry_due() -> int:
    return services.callbacks_retry_due()
