"""The remittance job through a real Celery worker on Redis and PostgreSQL, not eager mode."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from payments.models import OrderStatus, Remittance, RemittanceStatus
from payments.tasks import remittance_daily
from tests.factories import make_merchant, make_order

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL",
)


def _test_database_url() -> str:
    """The database pytest-django created (test_<name>), so the worker sees this test's rows."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):  # type: ignore[no-untyped-def]
    """A worker on a queue of its own, so it takes only this test's messages."""
    queue = f"test-remittance-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "DATABASE_URL": _test_database_url(),
        "MEDIA_ROOT": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "clictopay", "worker", "-Q", queue, "-P", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield queue
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output.decode(errors="replace")[-3000:])


@pytest.mark.real_celery
@pytest.mark.django_db(transaction=True)
def test_worker_builds_the_remittance_once(worker, tmp_path):  # type: ignore[no-untyped-def]
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    merchant = make_merchant()
    deposited_at = timezone.now() - timedelta(days=1, hours=2)
    day = timezone.localdate(deposited_at)
    orders = [
        make_order(
            merchant=merchant, status=OrderStatus.DEPOSITED, amount=1_000 + i, deposited_at=deposited_at
        )
        for i in range(20)
    ]
    result = remittance_daily.apply_async(args=[day.isoformat()], queue=worker)
    (remittance_id,) = result.get(timeout=90)
    remittance = Remittance.objects.get(pk=remittance_id)
    assert remittance.status == RemittanceStatus.DONE and remittance.order_count == 20
    assert remittance.gross_amount == sum(o.amount for o in orders)
    assert remittance.orders.count() == 20
    lines = (tmp_path / remittance.file.name).read_text().splitlines()  # written by the worker
    assert len(lines) == 22 and lines[0].startswith("H;CTPREM1;") and lines[-1].startswith("T;20;20;")
    again = remittance_daily.apply_async(args=[day.isoformat()], queue=worker)
    assert again.get(timeout=90) == []
    assert Remittance.objects.count() == 1
