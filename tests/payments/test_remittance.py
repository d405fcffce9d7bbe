"""Remittance to the bank: set-wise claims, the bank file, idempotence, crashes and races."""

import logging
import random
import threading
import time as clock
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments.errors import OperationRefused
from payments.models import (
    Contract,
    OperationKind,
    Order,
    OrderStatus,
    Remittance,
    RemittanceSale,
    RemittanceStatus,
    Terminal,
)
from payments.services import orders, remittance
from payments.services.common import SYSTEM
from payments.tasks import holds_reverse_expired, remittance_daily
from tests.concurrency import run_in_threads
from tests.factories import make_merchant, make_order

TUNIS = ZoneInfo("Africa/Tunis")
TODAY = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 23, 30, tzinfo=TUNIS)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.REMITTANCE_CUTOFF = "23:00"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TUNIS)


def paid(merchant, amount: int = 10_000, deposited_at: datetime | None = None, **fields) -> Order:  # type: ignore[no-untyped-def]
    return make_order(
        merchant=merchant,
        status=OrderStatus.DEPOSITED,
        amount=amount,
        deposited_at=deposited_at or at(TODAY, 10),
        **fields,
    )


def run(day: date = TODAY, until: datetime | None = None, now: datetime = NOW) -> list[Remittance]:
    return remittance.remittance_run(until=until, business_date=day, now=now)


def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


def files(root: Path) -> list[str]:
    return [str(path) for path in root.rglob("*") if path.is_file()]


def records(done: Remittance) -> list[list[str]]:
    return list(remittance.lines_of(done))


@pytest.mark.django_db
def test_run_remits_paid_orders_and_leaves_the_others():
    merchant = make_merchant()
    sales = [paid(merchant, amount=1_000 * (i + 1)) for i in range(3)]
    others = [
        make_order(merchant=merchant, status=status, deposited_at=at(TODAY, 9))
        for status in (OrderStatus.REVERSED, OrderStatus.APPROVED, OrderStatus.REGISTERED)
    ]
    (done,) = run()
    assert (done.status, done.order_count, done.gross_amount) == (RemittanceStatus.DONE, 3, 6_000)
    assert done.business_date == TODAY and done.cutoff_at == at(TODAY, 23)
    for order in sales:
        order.refresh_from_db()
        assert order.remittance == done and order.remitted_at == NOW and order.is_remitted
    assert not Order.objects.filter(pk__in=[o.pk for o in others], sale__isnull=False).exists()


@pytest.mark.django_db
def test_orders_are_claimed_set_wise_not_one_by_one():
    merchant = make_merchant()

    def statements(day: date, order_count: int) -> int:
        for _ in range(order_count):
            paid(merchant, deposited_at=at(day, 10))
        with CaptureQueriesContext(connection) as queries:
            (done,) = run(day, now=at(day, 23, 30))
        assert done.order_count == order_count == done.sales.count()
        return len(queries)

    assert statements(TODAY - timedelta(days=1), 2) == statements(TODAY, 40)


@pytest.mark.django_db
def test_orders_deposited_before_the_lookback_wait_for_a_longer_lookback(settings):
    settings.REMITTANCE_LOOKBACK_DAYS = 35
    merchant = make_merchant()
    old = paid(merchant, deposited_at=at(TODAY - timedelta(days=36), 10))
    recent = paid(merchant, deposited_at=at(TODAY - timedelta(days=34), 10))
    (done,) = run()
    assert list(done.orders.all()) == [recent]
    assert not RemittanceSale.objects.filter(order=old).exists()
    # The catch-up after an outage: the next day looks further back (today's remittance is done).
    next_day = TODAY + timedelta(days=1)
    call_command("run_remittance", "--date", next_day.isoformat(), "--lookback-days", "40")
    assert RemittanceSale.objects.get(order=old).remittance.business_date == next_day


@pytest.mark.django_db
def test_a_deposit_committed_after_the_days_claim_goes_in_the_next_days_remittance():
    merchant = make_merchant()
    paid(merchant, deposited_at=at(TODAY - timedelta(days=3), 10))
    day = TODAY - timedelta(days=1)
    (first,) = run(day, now=at(day, 23, 30))
    # Stamped before that cut-off, but committed after its claim read the orders:
    late = paid(merchant, deposited_at=at(day, 21, 0))
    (second,) = run(TODAY, now=at(TODAY, 23, 30))
    assert list(second.orders.all()) == [late] and first.order_count == 1


@pytest.mark.django_db
def test_second_run_changes_nothing_and_later_deposits_wait_for_the_next_day():
    merchant = make_merchant()
    paid(merchant)
    (done,) = run()
    content = default_storage.open(done.file.name).read()
    late = paid(merchant, deposited_at=at(TODAY, 22))
    assert run() == []  # the day is closed for this group
    assert run(until=NOW) == []
    done.refresh_from_db()
    assert done.order_count == 1 and default_storage.open(done.file.name).read() == content
    late.refresh_from_db()
    assert late.remittance is None
    (next_day,) = run(TODAY + timedelta(days=1), now=NOW + timedelta(days=1))
    assert list(next_day.orders.all()) == [late]


@pytest.mark.django_db
def test_orders_deposited_after_the_cutoff_belong_to_the_next_day():
    merchant = make_merchant()
    yesterday = TODAY - timedelta(days=1)
    early = paid(merchant, deposited_at=at(yesterday, 22, 59))
    late = paid(merchant, deposited_at=at(yesterday, 23, 0))
    (replayed,) = run(yesterday)  # a replay: up to that day's cut-off only
    assert list(replayed.orders.all()) == [early]
    (today,) = run()
    assert list(today.orders.all()) == [late]


@pytest.mark.django_db
def test_cutoff_setting_moves_the_day_boundary(settings):
    settings.REMITTANCE_CUTOFF = "18:30"
    merchant = make_merchant()
    paid(merchant, deposited_at=at(TODAY, 18, 29))
    paid(merchant, deposited_at=at(TODAY, 18, 31))
    (done,) = run()
    assert done.order_count == 1 and done.cutoff_at == at(TODAY, 18, 30)


@pytest.mark.django_db
def test_one_remittance_per_merchant_contract_and_currency():
    first, second = make_merchant(), make_merchant()
    paid(first, currency_code="TND")
    paid(first, currency_code="EUR")
    paid(second)
    built = run()
    keys = {(r.merchant_id, r.contract_id, r.currency.alpha_code) for r in built}
    assert len(built) == 3 and len(keys) == 3


@pytest.mark.django_db
def test_file_header_records_and_trailer():
    merchant = make_merchant(code="SHOP1")
    first = paid(merchant, amount=12_345, deposited_at=at(TODAY, 8, 5), order_number="A-1")
    second = paid(merchant, amount=1_000, deposited_at=at(TODAY, 9), order_number="A;2")
    (done,) = run()
    lines = records(done)
    contract = Contract.objects.get(merchant=merchant)
    assert lines[0] == [
        "H", "CTPREM1", "20250310", str(done.pk), "Test Bank", "SHOP1", str(contract.pk), "788", "3",
        "2025-03-10T23:00:00+01:00", "2", "13345", "0", "0", "150", "200", "13145",
    ]  # fmt: skip
    assert lines[1] == [
        "D", "1", str(first.order_id), "A-1", first.terminal.terminal_id, "2025-03-10T08:05:00+01:00",
        "123456", "000000000001", first.masked_pan, "12345",
    ]  # fmt: skip
    assert lines[2][:4] == ["D", "2", str(second.order_id), "A;2"]  # quoted, not split
    assert lines[-1] == ["T", "2", "2", "13345", "0", "0", "200", "13145"]
    assert done.file.name == f"remittances/2025/03/20250310-SHOP1-{contract.pk}-TND.csv"


@pytest.mark.django_db
def test_totals_equal_the_sum_of_the_lines():
    rng = random.Random(7)
    merchant = make_merchant()
    for _ in range(40):
        paid(merchant, amount=rng.randint(1, 5_000_000), deposited_at=at(yesterday(), 10))
    (first,) = run(yesterday(), now=timezone.now())  # refunds are made now: use the real clock
    for order in first.orders.all()[:10]:
        orders.order_refund(order_pk=order.pk, amount=rng.randint(1, order.deposited_amount), actor=SYSTEM)
    for _ in range(25):
        paid(merchant, amount=rng.randint(1, 5_000_000), deposited_at=timezone.now() - timedelta(seconds=1))
    (done,) = run(timezone.localdate(), until=timezone.now(), now=timezone.now())
    lines = records(done)
    sales = [int(line[-1]) for line in lines if line[0] == "D"]
    credits = [int(line[-1]) for line in lines if line[0] == "C"]
    assert (len(sales), sum(sales)) == (done.order_count, done.gross_amount) == (25, done.gross_amount)
    assert (len(credits), sum(credits)) == (done.refund_count, done.refund_amount) and len(credits) == 10
    assert done.commission_amount == (sum(sales) * 150 + 5_000) // 10_000
    assert done.net_amount == sum(sales) - sum(credits) - done.commission_amount
    assert [line[1] for line in lines[1:-1]] == [str(n) for n in range(1, 36)]
    assert lines[-1][1:] == [str(v) for v in (35, 25, done.gross_amount, 10, done.refund_amount,
                                               done.commission_amount, done.net_amount)]  # fmt: skip


@pytest.mark.parametrize(("gross", "commission"), [(1_000, 15), (100, 2), (33, 0), (0, 0), (10_033, 150)])
@pytest.mark.django_db
def test_commission_rounds_half_up(gross, commission):
    merchant = make_merchant()
    done = None
    if gross:
        paid(merchant, amount=gross)
        (done,) = run()
        assert done.commission_amount == commission
    else:
        assert run() == []  # nothing to remit: no remittance at all


@pytest.mark.django_db
def test_refund_credit_lines_are_remitted_once():
    merchant = make_merchant()
    order = paid(merchant, deposited_at=at(yesterday(), 10))
    (day1,) = run(yesterday(), now=timezone.now())  # refunds are made now: use the real clock
    orders.order_refund(order_pk=order.pk, amount=2_500, actor=SYSTEM)
    (day2,) = run(timezone.localdate(), until=timezone.now(), now=timezone.now())
    assert (day2.order_count, day2.refund_count, day2.refund_amount, day2.net_amount) == (0, 1, 2_500, -2_500)
    assert [line[0] for line in records(day2)] == ["H", "C", "T"]
    refund = order.operations.get(kind=OperationKind.REFUND)
    assert refund.remittance == day2 and day1.refunds.count() == 0
    assert run(timezone.localdate(), until=timezone.now(), now=timezone.now()) == []
    assert run(timezone.localdate() + timedelta(days=1), now=timezone.now() + timedelta(days=1)) == []


@pytest.mark.django_db
def test_refunds_are_credited_in_their_own_group_only(monkeypatch):
    monkeypatch.setattr(remittance, "CHUNK", 2)  # claimed a few at a time: none lost between batches
    first, second = make_merchant(), make_merchant()
    sales = [paid(first, deposited_at=at(yesterday(), 10)) for _ in range(5)]
    sales += [paid(first, currency_code="EUR", deposited_at=at(yesterday(), 10))]
    sales += [paid(second, deposited_at=at(yesterday(), 10)) for _ in range(2)]
    assert len(run(yesterday(), now=timezone.now())) == 3
    for order in sales:
        orders.order_refund(order_pk=order.pk, amount=100 + order.pk, actor=SYSTEM)
    built = run(timezone.localdate(), until=timezone.now(), now=timezone.now())
    credited = {(r.merchant_id, r.currency.alpha_code): sorted(r.refunds.values_list("order_id", flat=True))
                for r in built}  # fmt: skip
    assert credited == {
        (first.pk, "TND"): sorted(order.pk for order in sales[:5]),
        (first.pk, "EUR"): [sales[5].pk],
        (second.pk, "TND"): sorted(order.pk for order in sales[6:]),
    }
    assert all(r.refund_amount == sum(100 + pk for pk in credited[r.merchant_id, r.currency.alpha_code])
               for r in built)  # fmt: skip


@pytest.mark.django_db
def test_reverse_refused_and_refund_accepted_after_remittance():
    merchant = make_merchant()
    order = paid(merchant)
    cancelled = paid(merchant)
    orders.order_reverse(order_pk=cancelled.pk, actor=SYSTEM)
    with pytest.raises(OperationRefused):
        orders.order_refund(order_pk=order.pk, amount=100, actor=SYSTEM)  # not remitted yet
    (done,) = run()
    assert list(done.orders.all()) == [order]
    with pytest.raises(OperationRefused):
        orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    refunded = orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM)
    assert refunded.status == OrderStatus.REFUNDED


@pytest.mark.django_db
def test_crash_after_half_the_orders_leaves_nothing_and_the_next_run_completes(monkeypatch, tmp_path):
    merchant = make_merchant()
    for _ in range(10):
        paid(merchant)
    real_records = remittance._records

    def failing_records(*args):  # type: ignore[no-untyped-def]
        written = 0
        for block in real_records(*args):  # COPY gives a block per record, the csv path too
            yield block
            written += bytes(block).count(b"\n")
            if written >= 5:
                raise OSError("disk full")

    monkeypatch.setattr(remittance, "_records", failing_records)
    with pytest.raises(OSError, match="disk full"):
        run()
    failed = Remittance.objects.get()
    assert failed.status == RemittanceStatus.FAILED and "disk full" in failed.error
    assert not RemittanceSale.objects.exists()
    assert files(tmp_path) == []
    monkeypatch.setattr(remittance, "_records", real_records)
    (done,) = run()
    assert done.pk == failed.pk and done.order_count == 10 and done.status == RemittanceStatus.DONE
    assert not done.error and done.orders.count() == 10
    assert files(tmp_path) == [done.file.path]


@pytest.mark.django_db
def test_awkward_text_is_quoted_so_that_every_record_reads_back():
    merchant = make_merchant()
    numbers = ["A;1", 'say "hi"', "line\nbreak", "carriage\rreturn", "\\N", "ünï ت", " spaced "]
    for number in numbers:
        paid(merchant, order_number=number)
    paid(merchant, order_number="no-card", approval_code="", reference_number="", masked_pan="")
    (done,) = run()
    lines = records(done)
    assert [line[3] for line in lines[1:-1]] == [*numbers, "no-card"]
    assert lines[-2][6:9] == ["", "", ""] and all(len(line) == 10 for line in lines[1:-1])


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_the_same_bytes_as_the_python_writer(settings):
    settings.REMITTANCE_LOOKBACK_DAYS = 365 * 30  # an order of 2008 too
    merchant = make_merchant()
    numbers = ["A;1", 'say "hi"', "line\nbreak", "carriage\rreturn", "\\N", "ünï ت", " spaced ", ""]
    for n, number in enumerate(numbers):
        moment = at(TODAY, 8, n) + timedelta(microseconds=999_999)  # seconds are cut, not rounded
        paid(merchant, order_number=number, deposited_at=moment)
    paid(merchant, approval_code="", reference_number="", masked_pan="", deposited_at=at(TODAY, 9))
    paid(merchant, deposited_at=datetime(2008, 7, 1, 11, 30, tzinfo=ZoneInfo("UTC")))  # Tunis summer time
    (first,) = run(yesterday(), now=timezone.now())
    for order in first.orders.all():
        orders.order_refund(order_pk=order.pk, amount=1_000, actor=SYSTEM)
    paid(merchant, deposited_at=timezone.now() - timedelta(seconds=1))
    (done,) = run(timezone.localdate(), until=timezone.now(), now=timezone.now())
    assert (first.order_count, done.order_count, done.refund_count) == (10, 1, 10)
    terminals = dict(Terminal.objects.values_list("pk", "terminal_id"))
    copied = {}
    for built in (first, done):
        content = default_storage.open(built.file.name).read()  # its D records written by COPY
        header, records_copied = content.split(b"\n", 1)
        records_copied, trailer = records_copied.rsplit(b"T;", 1)
        assert header.startswith(b"H;") and trailer.endswith(b"\n") and trailer.count(b"\n") == 1
        assert records_copied == b"".join(remittance._records_written(built, terminals))
        copied[built] = records_copied
    assert b'"carriage\rreturn"' in copied[first] and b";2008-07-01T13:30:00+02:00;" in copied[first]
    assert b";2025-03-10T08:00:00+01:00;" in copied[first]  # 08:00:00.999999: cut, not rounded
    assert copied[done].count(b"\nC;") == 10


@pytest.mark.django_db
def test_remittance_left_started_is_flagged_and_not_redone(caplog):
    merchant = make_merchant()
    order = paid(merchant, deposited_at=at(TODAY - timedelta(days=1), 10))
    contract = Contract.objects.get(merchant=merchant)
    stuck = Remittance.objects.create(
        business_date=TODAY - timedelta(days=1),
        merchant=merchant,
        contract=contract,
        currency=order.currency,
        status=RemittanceStatus.STARTED,
        started_at=timezone.now() - timedelta(hours=2),
        cutoff_at=at(TODAY - timedelta(days=1), 23),
    )
    assert stuck.is_stuck
    with caplog.at_level(logging.ERROR, logger="payments.services.remittance"):
        assert run() == []  # not today's either: the bank may hold yesterday's file
    assert "stuck in STARTED" in caplog.text
    order.refresh_from_db()
    assert order.remittance is None
    _out, err = call_command_output("run_remittance")
    assert f"--release {stuck.pk}" in err
    remittance.remittance_release(remittance_id=stuck.pk)
    with pytest.raises(OperationRefused):
        remittance.remittance_release(remittance_id=stuck.pk)
    (done,) = run(TODAY - timedelta(days=1), now=NOW)
    assert done.pk == stuck.pk and list(done.orders.all()) == [order]


def call_command_output(*args: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_remits_until_now_once():
    merchant = make_merchant()
    paid(merchant, deposited_at=timezone.now() - timedelta(seconds=5))
    out, _err = call_command_output("run_remittance")
    assert "1 orders" in out or "1 remittances" in out
    assert Order.objects.get().remittance.business_date == timezone.localdate()
    out, _err = call_command_output("run_remittance")
    assert Remittance.objects.count() == 1 and Order.objects.get().remittance.order_count == 1
    with pytest.raises(CommandError):
        call_command("run_remittance", "--date", (timezone.localdate() + timedelta(days=1)).isoformat())


@pytest.mark.django_db
def test_command_replays_a_past_date():
    merchant = make_merchant()
    day = timezone.localdate() - timedelta(days=3)
    paid(merchant, deposited_at=at(day, 12))
    paid(merchant, deposited_at=at(day + timedelta(days=1), 12))
    call_command_output("run_remittance", "--date", day.isoformat())
    (done,) = Remittance.objects.all()
    assert done.business_date == day and done.order_count == 1


@pytest.mark.django_db
def test_daily_task_runs_the_day_given_or_the_day_due():
    merchant = make_merchant()
    day = timezone.localdate() - timedelta(days=2)
    order = paid(merchant, deposited_at=at(day, 12))
    ids = remittance_daily.apply(args=[day.isoformat()]).get()
    assert ids == [RemittanceSale.objects.get(order=order).remittance_id]
    assert remittance_daily.apply(args=[day.isoformat()]).get() == []
    paid(merchant, deposited_at=timezone.now() - timedelta(days=1, hours=1))
    assert len(remittance_daily.apply(args=[]).get()) == 1


def test_business_date_due_is_the_last_day_whose_cutoff_passed():
    assert remittance.business_date_due(at(TODAY, 22, 59)) == TODAY - timedelta(days=1)
    assert remittance.business_date_due(at(TODAY, 23)) == TODAY
    assert remittance.business_date_due(at(TODAY, 0, 30)) == TODAY - timedelta(days=1)


@pytest.mark.django_db
def test_holds_past_their_period_are_reversed_by_the_system():
    merchant = make_merchant()
    short = make_merchant()
    Contract.objects.filter(merchant=short).update(hold_days=3)
    now = timezone.now()
    old = make_order(merchant=merchant, status=OrderStatus.APPROVED, authorized_at=now - timedelta(days=8))
    young = make_order(merchant=merchant, status=OrderStatus.APPROVED, authorized_at=now - timedelta(days=6))
    short_old = make_order(merchant=short, status=OrderStatus.APPROVED, authorized_at=now - timedelta(days=4))
    deposited = make_order(
        merchant=merchant, status=OrderStatus.DEPOSITED, authorized_at=now - timedelta(days=9)
    )
    assert sorted(holds_reverse_expired.apply().get()) == sorted([old.pk, short_old.pk])
    assert holds_reverse_expired.apply().get() == []
    states = {o.pk: Order.objects.get(pk=o.pk).status for o in (old, young, short_old, deposited)}
    assert states == {
        old.pk: OrderStatus.REVERSED,
        young.pk: OrderStatus.APPROVED,
        short_old.pk: OrderStatus.REVERSED,
        deposited.pk: OrderStatus.DEPOSITED,
    }
    reverse = old.operations.get(kind=OperationKind.REVERSE)
    assert reverse.actor_type == SYSTEM.type and reverse.amount == old.amount


def _reverse_or_remit(order: Order, index: int, claiming: threading.Event) -> str:
    if index == 0:
        claiming.wait(5)  # the run has found its group: a few statements from its claim
        clock.sleep(random.random() * 0.01)  # vary who wins
        try:
            orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
        except OperationRefused:
            return "refused"
        return "reversed"
    return "remitted" if remittance.remittance_run(until=timezone.now(), business_date=TODAY) else "none"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_cancel_racing_the_remittance_is_cancelled_or_remitted_never_both(monkeypatch):
    outcomes = {"reversed": 0, "remitted": 0}
    claim = remittance._claim

    def claim_signalled(*args, **kwargs):  # type: ignore[no-untyped-def]
        claiming.set()
        return claim(*args, **kwargs)

    monkeypatch.setattr(remittance, "_claim", claim_signalled)
    for _ in range(100):
        order = paid(make_merchant(), deposited_at=timezone.now() - timedelta(seconds=1))
        claiming = threading.Event()
        reverse, remit = run_in_threads(lambda i, o=order, c=claiming: _reverse_or_remit(o, i, c), count=2)
        order.refresh_from_db()
        if order.status == OrderStatus.REVERSED:
            assert (reverse, remit) == ("reversed", "none")
            assert order.remittance is None and order.remitted_at is None and order.deposited_amount == 0
            assert not Remittance.objects.filter(merchant=order.merchant).exists()
            outcomes["reversed"] += 1
        else:
            assert (reverse, remit) == ("refused", "remitted")
            assert order.status == OrderStatus.DEPOSITED and order.remittance.order_count == 1
            assert order.remittance.gross_amount == order.deposited_amount == 10_000
            outcomes["remitted"] += 1
    assert sum(outcomes.values()) == 100 and min(outcomes.values()) > 0  # both sides did win sometimes
    print(f"race outcomes: {outcomes}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_sale_written_while_a_cancel_holds_the_order_is_refused_once_it_commits():
    """The database's own rule, without the claim's locks: its check waits for the cancel, then sees it."""
    order = paid(make_merchant())
    cancelling, cancelled = threading.Event(), threading.Event()

    def cancel(_index: int) -> str:
        with transaction.atomic():
            Order.objects.select_for_update().filter(pk=order.pk).update(status=OrderStatus.REVERSED)
            cancelling.set()
            clock.sleep(0.5)  # the sale below is written meanwhile, and waits
        cancelled.set()
        return "cancelled"

    def sell(_index: int) -> str:
        cancelling.wait(5)
        try:
            RemittanceSale.objects.create(order=order, amount=10_000, remitted_at=timezone.now())
        except IntegrityError:
            return "refused" if cancelled.is_set() else "refused before the cancel committed"
        return "sold"

    assert run_in_threads(lambda i: (cancel, sell)[i](i), count=2) == ["cancelled", "refused"]
    assert not RemittanceSale.objects.exists()
