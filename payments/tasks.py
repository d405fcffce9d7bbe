from celery import shared_task

from payments.services import orders


@shared_task(acks_late=True)
def orders_expire_due() -> int:
    return orders.orders_expire_due()
