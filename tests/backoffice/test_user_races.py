"""Two administrators acting on each other at once, on PostgreSQL with real threads: the merchant always
keeps an active administrator, and the loser gets a clear refusal, never a 500."""

import uuid
from functools import partial
from typing import Any

import pytest
from django.db import connection

from backoffice.models import Membership, Role
from tests.backoffice.conftest import make_staff, signed_in
from tests.concurrency import run_in_threads
from tests.factories import make_merchant

pytestmark = [
    # serialized_rollback: the flush after each test would drop the currencies of the data migration
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

ITERATIONS = 10


def _post(clients: list[Any], targets: list[Any], action: str, data: dict[str, str], index: int) -> Any:
    url = f"/mportal/users/{targets[index].pk}/{action}/"
    return clients[index].post(url, {"key": str(uuid.uuid4()), **data}, HTTP_ACCEPT_LANGUAGE="en")


def _admins_at_once(action: str, data: dict[str, str]) -> None:
    for _ in range(ITERATIONS):
        merchant = make_merchant()
        first, second = (make_staff(merchant=merchant, role=Role.ADMINISTRATOR) for _ in range(2))
        clients = [signed_in(first), signed_in(second)]
        targets = [second, first]  # each acts on the other
        results = run_in_threads(partial(_post, clients, targets, action, data), count=2)
        assert all(not isinstance(r, Exception) and r.status_code in (302, 403) for r in results), results
        admins = Membership.objects.filter(merchant=merchant, role=Role.ADMINISTRATOR, is_active=True)
        assert admins.count() == 1  # one of them won, the other was refused: never none, never both kept


def test_two_administrators_demoting_each_other_leave_one_administrator() -> None:
    _admins_at_once("role", {"role": Role.OPERATOR})


def test_two_administrators_deactivating_each_other_leave_one_administrator() -> None:
    _admins_at_once("deactivate", {})
