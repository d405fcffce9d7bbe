"""Daily extraction files: content cell by cell, idempotence, e-mail, the back-office list, the token
API, and another merchant never reaches them."""

import csv
import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from backoffice import extractions
from backoffice.models import DailyExtraction, ExtractionSettings, Role
from payments import tasks
from payments.models import ActorType, Operation, OperationKind, OrderStatus, Remittance, RemittanceStatus
from payments.services import remittance
from tests.backoffice.conftest import make_staff, signed_in
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def day():  # type: ignore[no-untyped-def]
    return timezone.localdate() - timedelta(days=1)


def at(day, hour: int) -> datetime:  # type: ignore[no-untyped-def]
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@pytest.fixture
def remitted(merchant, day):  # type: ignore[no-untyped-def]
    """Yesterday's remittance of the merchant: two sales (TND, EUR) and a refund of an older sale."""
    sales = [
        make_order(
            merchant=merchant,
            order_number="DAY-TND",
            amount=10_500,
            status=OrderStatus.DEPOSITED,
            pan="4111111111111111",
            created_at=at(day, 10),
            deposited_at=at(day, 10),
        ),
        make_order(
            merchant=merchant,
            order_number="DAY-EUR",
            amount=1_050,
            currency_code="EUR",
            status=OrderStatus.DEPOSITED,
            created_at=at(day, 11),
            deposited_at=at(day, 11),
        ),
    ]
    older = make_order(
        merchant=merchant,
        order_number="OLD-TND",
        amount=20_000,
        status=OrderStatus.DEPOSITED,
        refunded_amount=5_000,
        created_at=at(day - timedelta(days=3), 9),
        deposited_at=at(day - timedelta(days=3), 9),
        remitted_at=at(day - timedelta(days=3), 23),
    )
    Operation.objects.create(
        order=older,
        kind=OperationKind.REFUND,
        amount=5_000,
        success=True,
        actor_type=ActorType.STAFF,
        created_at=at(day, 12),
    )
    make_order(merchant=merchant, order_number="NOT-PAID", created_at=at(day, 12))
    remittance.remittance_run(
        until=None, business_date=day, now=remittance.cutoff_for(day) + timedelta(minutes=5)
    )
    assert Remittance.objects.filter(
        merchant=merchant, business_date=day, status=RemittanceStatus.DONE
    ).exists()
    return sales


def enable(merchant, fmt: str = "xlsx", emails: str = "") -> None:  # type: ignore[no-untyped-def]
    extractions.extraction_settings_update(merchant=merchant, enabled=True, format=fmt, emails=emails)


def test_xlsx_extraction_holds_the_days_remitted_sales_and_refunds(merchant, day, remitted):
    enable(merchant)
    extraction = extractions.extraction_build(merchant=merchant, business_date=day)
    assert extraction.format == "xlsx" and extraction.row_count == 3
    with extraction.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == ["OLD-TND", "DAY-TND", "DAY-EUR"]
    old, tnd, eur = rows
    assert [Decimal(str(cell.value)) for cell in tnd[6:10]] == [Decimal("10.5")] * 3 + [Decimal(0)]
    assert {cell.number_format for cell in tnd[6:10]} == {"0.000"}
    assert Decimal(str(old[9].value)) == Decimal(5) and old[9].number_format == "0.000"
    assert Decimal(str(eur[6].value)) == Decimal("10.5") and eur[6].number_format == "0.00"
    assert eur[10].value == "EUR"
    assert tnd[2].value == datetime.combine(day, time(10, 0))
    assert (
        tnd[17].value is not None
        and tnd[18].value == remitted[0].__class__.objects.get(order_number="DAY-TND").remittance.pk
    )


def test_csv_extraction_in_the_merchants_language(day):  # type: ignore[no-untyped-def]
    merchant = make_merchant(default_language="fr")
    make_order(
        merchant=merchant,
        order_number="FR-1",
        amount=10_500,
        status=OrderStatus.DEPOSITED,
        created_at=at(day, 10),
        deposited_at=at(day, 10),
    )
    remittance.remittance_run(
        until=None, business_date=day, now=remittance.cutoff_for(day) + timedelta(minutes=5)
    )
    enable(merchant, "csv")
    extraction = extractions.extraction_build(merchant=merchant, business_date=day)
    with extraction.file.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    _header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert row[0] == "FR-1" and row[6:10] == ["10,500", "10,500", "10,500", "0,000"]
    assert row[2] == f"{day:%Y-%m-%d} 10:00:00"


def test_extraction_is_idempotent_and_emailed_once(merchant, day, remitted):
    enable(merchant, emails="compta@shop.tn, it@shop.tn")
    first = extractions.extractions_run(business_date=day)
    file_name = DailyExtraction.objects.get().file.name
    second = extractions.extractions_run(business_date=day)
    assert first == second and len(first) == 1
    assert DailyExtraction.objects.get().file.name == file_name
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["compta@shop.tn", "it@shop.tn"]
    assert mail.outbox[0].attachments[0][0].endswith(f"{day:%Y%m%d}.xlsx")


def test_no_file_while_a_remittance_of_the_day_is_not_done(merchant, day, remitted):
    Remittance.objects.filter(merchant=merchant).update(status=RemittanceStatus.STARTED)
    assert extractions.extraction_build(merchant=merchant, business_date=day) is None


def test_merchants_without_the_option_get_no_file(merchant, day, remitted):
    assert extractions.extractions_run(business_date=day) == []
    ExtractionSettings.objects.create(merchant=merchant, enabled=False)
    assert extractions.extractions_run(business_date=day) == []


def test_the_remittance_job_then_builds_the_extractions(merchant, day):
    make_order(
        merchant=merchant, status=OrderStatus.DEPOSITED, created_at=at(day, 9), deposited_at=at(day, 9)
    )
    enable(merchant)
    tasks.remittance_daily(day.isoformat())
    assert DailyExtraction.objects.get(merchant=merchant).business_date == day


def test_management_command_builds_a_day(merchant, day, remitted):
    enable(merchant, "csv")
    call_command("run_extractions", "--date", day.isoformat(), stdout=io.StringIO())
    assert DailyExtraction.objects.get(merchant=merchant).format == "csv"


def test_backoffice_lists_and_downloads_them(viewer_client, merchant, day, remitted):
    enable(merchant)
    extractions.extractions_run(business_date=day)
    page = viewer_client.get("/mportal/extractions/").content.decode()
    link = f"/mportal/extractions/{day:%Y-%m-%d}/download/"
    assert link in page
    response = viewer_client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a zip: XLSX
    assert viewer_client.get("/mportal/extractions/2001-01-01/download/").status_code == 404


def test_another_merchant_gets_404_on_the_download(merchant, day, remitted):
    enable(merchant)
    extractions.extractions_run(business_date=day)
    stranger = signed_in(make_staff(merchant=make_merchant(), role=Role.ADMINISTRATOR))
    assert stranger.get(f"/mportal/extractions/{day:%Y-%m-%d}/download/").status_code == 404
    assert f"{day:%Y-%m-%d}" not in stranger.get("/mportal/extractions/").content.decode()


def test_token_api(client, merchant, day, remitted):
    enable(merchant)
    extractions.extractions_run(business_date=day)
    token = extractions.extraction_token_rotate(merchant=merchant)
    url = f"/mportal/api/extractions/{day:%Y-%m-%d}.xlsx"
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Token wrong").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert client.get(url.replace(".xlsx", ".csv"), HTTP_AUTHORIZATION=f"Token {token}").status_code == 404
    # a new token replaces the old one
    assert (
        client.get(
            url, HTTP_AUTHORIZATION=f"Token {extractions.extraction_token_rotate(merchant=merchant)}"
        ).status_code
        == 200
    )
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_token_api_never_serves_another_merchants_file(client, merchant, day, remitted):
    enable(merchant)
    extractions.extractions_run(business_date=day)
    other = make_merchant()
    token = extractions.extraction_token_rotate(merchant=other)
    url = f"/mportal/api/extractions/{day:%Y-%m-%d}.xlsx"
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token}").status_code == 404


def test_administrator_sets_the_option_and_gets_a_token_once(admin_client, merchant):
    response = admin_client.post(
        "/mportal/extractions/", {"enabled": "on", "format": "csv", "emails": "a@shop.tn , b@shop.tn"}
    )
    assert response.status_code == 302
    settings_ = ExtractionSettings.objects.get(merchant=merchant)
    assert (
        settings_.enabled and settings_.format == "csv" and settings_.email_list == ["a@shop.tn", "b@shop.tn"]
    )
    page = admin_client.post("/mportal/extractions/token/").content.decode()
    token = page.split("data-secret>")[1].split("<")[0]
    settings_.refresh_from_db()
    assert settings_.token_hash == extractions.token_hash(token) and token not in settings_.token_hash


def test_bad_addresses_are_refused(admin_client, merchant):
    response = admin_client.post("/mportal/extractions/", {"format": "csv", "emails": "not-an-address"})
    assert response.status_code == 200
    assert not ExtractionSettings.objects.filter(merchant=merchant).exists()


def test_viewer_cannot_change_the_option_nor_make_a_token(viewer_client, merchant):
    viewer_client.post("/mportal/extractions/", {"enabled": "on", "format": "csv"})
    assert not ExtractionSettings.objects.filter(merchant=merchant).exists()
    assert viewer_client.post("/mportal/extractions/token/").status_code == 403
