"""Export of the orders search: CSV and XLSX cell by cell, exactly the filtered rows, the background job
for large ones, the XLSX row limit, and another merchant's export is a 404."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation
from openpyxl import load_workbook

from backoffice import export_jobs, exports
from backoffice.models import AuditAction, AuditEvent, Export, ExportStatus, Role
from payments.models import ActionCode, Currency, OrderStatus, ThreeDSStatus
from tests.backoffice.conftest import make_staff, signed_in
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

CREATED = timezone.make_aware(datetime(2026, 3, 12, 14, 5, 9))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def orders(merchant):  # type: ignore[no-untyped-def]
    return {
        "tnd": make_order(
            merchant=merchant,
            order_number="EXP-TND",
            amount=10_500,
            status=OrderStatus.DEPOSITED,
            pan="4111111111111111",
            buyer_email="amira@example.tn",
            three_ds_status=ThreeDSStatus.AUTHENTICATED,
            created_at=CREATED,
        ),
        "eur": make_order(
            merchant=merchant,
            order_number="EXP-EUR",
            amount=1_050,
            currency_code="EUR",
            status=OrderStatus.REFUNDED,
            pan="5555555555554444",
            buyer_email="amira@example.tn",
            created_at=CREATED + timedelta(minutes=1),
        ),
        "other": make_order(merchant=merchant, order_number="EXP-OTHER", buyer_email="someone@example.tn"),
    }


def export(client, fmt: str, query: str = "", **headers):  # type: ignore[no-untyped-def]
    return client.post(f"/mportal/exports/?{query}", {"format": fmt}, **headers)


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_has_the_columns_and_exactly_the_filtered_rows(viewer_client, orders):
    response = export(viewer_client, "csv", "buyer_email=amira@example.tn&sort=created_at")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == [
        "Order reference", "Order id", "Created at", "Status", "Action code", "Action code description",
        "Amount", "Approved amount", "Deposited amount", "Refunded amount", "Currency", "Card",
        "Card brand", "Authorization type", "Terminal id", "Buyer e-mail", "3-D Secure", "Remitted at",
        "Remittance id",
    ]  # fmt: skip
    assert [row[0] for row in rows] == ["EXP-TND", "EXP-EUR"]
    tnd, eur = rows
    assert tnd[1] == str(orders["tnd"].order_id)
    assert tnd[2] == "2026-03-12 14:05:09"  # local time (Africa/Tunis)
    assert tnd[3] == "Paid"
    assert tnd[4] == "0" and tnd[5] != ""
    assert tnd[6:10] == ["10.500", "10.500", "10.500", "0.000"]  # TND: 3 decimals
    assert tnd[10:13] == ["TND", orders["tnd"].masked_pan, orders["tnd"].card_brand]
    assert tnd[13] == "One phase"
    assert tnd[14] == orders["tnd"].terminal.terminal_id
    assert tnd[15:] == ["amira@example.tn", "Authenticated", "", ""]
    assert eur[3] == "Refunded"
    assert eur[6:11] == ["10.50", "10.50", "10.50", "10.50", "EUR"]  # EUR: 2 decimals


def test_csv_in_french_uses_a_decimal_comma(viewer_client, orders):
    response = export(viewer_client, "csv", "buyer_email=amira@example.tn", HTTP_ACCEPT_LANGUAGE="fr")
    rows = {row[0]: row for row in csv_rows(response)[1:]}
    assert rows["EXP-TND"][6] == "10,500"
    assert rows["EXP-EUR"][6] == "10,50"


def test_xlsx_cells_are_typed_with_the_currency_decimals(viewer_client, orders):
    response = export(viewer_client, "xlsx", "buyer_email=amira@example.tn&sort=created_at")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]][:3] == ["Order reference", "Order id", "Created at"]
    assert len(rows) == 3
    tnd, eur = rows[1], rows[2]
    assert tnd[0].value == "EXP-TND"
    assert tnd[2].value == datetime(2026, 3, 12, 14, 5, 9) and tnd[2].is_date
    assert tnd[4].value == 0
    for cell in tnd[6:10]:
        assert cell.number_format == "0.000"
    assert [Decimal(str(cell.value)) for cell in tnd[6:10]] == [Decimal("10.5")] * 3 + [Decimal(0)]
    assert isinstance(tnd[6].value, int | float)
    assert tnd[10].value == "TND"
    assert eur[0].value == "EXP-EUR"
    assert eur[6].number_format == "0.00" and Decimal(str(eur[6].value)) == Decimal("10.5")
    assert eur[17].value is None  # not remitted


def test_small_export_is_audited(viewer_client, orders):
    export(viewer_client, "csv", "buyer_email=amira@example.tn")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.detail.startswith("csv 2 ")


def test_large_export_runs_as_a_job_with_a_progress_page(
    viewer_client, orders, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(export_jobs, "SYNC_MAX_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(viewer_client, "xlsx", "buyer_email=amira@example.tn")
    job = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/mportal/exports/{job.pk}/"
    assert (
        job.status == ExportStatus.DONE
        and job.row_count == 2
        and job.query == "buyer_email=amira%40example.tn"
    )
    page = viewer_client.get(f"/mportal/exports/{job.pk}/").content.decode()
    assert f'href="/mportal/exports/{job.pk}/download/"' in page and "http-equiv" not in page
    download = viewer_client.get(f"/mportal/exports/{job.pk}/download/")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["EXP-EUR", "EXP-TND"]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(job.pk)).exists()


def test_progress_page_refreshes_while_the_job_runs(viewer_client, merchant):
    user = make_staff(merchant=merchant, role=Role.VIEWER)
    job = Export.objects.create(merchant=merchant, user=user, format="csv", row_count=10, progress_count=4)
    job.status = ExportStatus.RUNNING
    job.save()
    page = viewer_client.get(f"/mportal/exports/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress value="40" max="100">' in page
    assert viewer_client.get(f"/mportal/exports/{job.pk}/download/").status_code == 302


def test_csv_job_writes_the_same_file(merchant, orders):
    user = make_staff(merchant=merchant, role=Role.VIEWER)
    job = Export.objects.create(
        merchant=merchant, user=user, format="csv", language="en", query="sort=created_at"
    )
    done = export_jobs.export_run(export_id=job.pk)
    assert done.status == ExportStatus.DONE and done.row_count == 3
    with done.file.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    assert [line.split(";")[0] for line in text.splitlines()[1:]] == ["EXP-TND", "EXP-EUR", "EXP-OTHER"]
    assert export_jobs.export_run(export_id=job.pk).finished_at == done.finished_at  # claimed once


def test_another_merchants_export_is_404(merchant, orders):
    job = export_jobs.export_run(
        export_id=Export.objects.create(merchant=merchant, format="csv", language="en").pk
    )
    assert job.status == ExportStatus.DONE
    stranger = signed_in(make_staff(merchant=make_merchant(), role=Role.ADMINISTRATOR))
    assert stranger.get(f"/mportal/exports/{job.pk}/").status_code == 404
    assert stranger.get(f"/mportal/exports/{job.pk}/download/").status_code == 404


def test_export_of_another_merchant_never_holds_their_orders(orders):
    stranger = signed_in(make_staff(merchant=make_merchant(), role=Role.VIEWER))
    rows = csv_rows(export(stranger, "csv", "buyer_email=amira@example.tn"))
    assert rows[1:] == []


def test_xlsx_beyond_the_sheet_limit_is_refused_with_a_message(viewer_client, orders, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    monkeypatch.setattr(export_jobs, "SYNC_MAX_ROWS", 1)
    response = export(viewer_client, "xlsx", "", follow=True)
    assert response.redirect_chain[-1][0].startswith("/mportal/orders/")
    assert "the most an XLSX sheet can hold" in response.content.decode()
    assert not Export.objects.exists()
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).outcome == "refused"


def test_xlsx_writer_refuses_rows_beyond_the_limit(merchant, orders, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    with pytest.raises(exports.ExportTooLarge):
        exports.xlsx_write(export_jobs.export_queryset(merchant=merchant, query=""), io.BytesIO())
    job = Export.objects.create(merchant=merchant, format="xlsx", language="en")
    failed = export_jobs.export_run(export_id=job.pk)
    assert failed.status == ExportStatus.FAILED and "XLSX sheet" in failed.error


def test_invalid_search_is_not_exported(viewer_client, orders):
    response = export(viewer_client, "csv", "amount=abc")
    assert response.status_code == 302


def test_unknown_format_is_refused(viewer_client, orders):
    assert export(viewer_client, "pdf").status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_csv_through_copy_is_byte_for_byte_the_python_file(merchant, monkeypatch, language):
    # Cells that need quoting, empty and missing cells, every currency exponent, a description and an
    # unknown code, times either side of local midnight: PostgreSQL's CSV must be the Python one.
    Currency.objects.create(numeric_code="392", alpha_code="JPY", exponent=0, name="Yen")
    ActionCode.objects.create(
        code=9001, description_fr='Refus; "motif"', description_en='No; "why"', description_ar=""
    )
    terminal = merchant.contracts.first().terminals.first()
    cells = [
        ("A;B", "amira@example.tn", 1, "TND", 9001, terminal),
        ('Q"uote', "", 999, "EUR", 4242, None),
        ("new\nline", "x;y@example.tn", 1_000, "USD", 116, terminal),
        ("cr\r\nlf\r", "é@exämple.tn", 10**12 + 7, "JPY", 0, terminal),
        (" spaced ", "عربي@example.tn", 10_500, "TND", -100, None),
    ]
    for index, (number, email, amount, code, action, term) in enumerate(cells):
        make_order(
            merchant=merchant,
            order_number=number,
            buyer_email=email,
            amount=amount,
            currency_code=code,
            action_code=action,
            terminal=term,
            status=OrderStatus.DEPOSITED if index % 2 else OrderStatus.REGISTERED,
            remitted=bool(index % 2),
            remitted_at=CREATED + timedelta(hours=10, microseconds=999_999) if index % 2 else None,
            three_ds_status=ThreeDSStatus.AUTHENTICATED if index % 3 else ThreeDSStatus.NOT_APPLICABLE,
            created_at=CREATED.replace(hour=23, minute=30) + timedelta(minutes=index * 20),
        )
    with translation.override(language):
        queryset = export_jobs.export_queryset(merchant=merchant, query="sort=amount")
        assert exports.copy_supported(queryset, timezone.get_current_timezone())
        via_copy = io.BytesIO()
        assert exports.csv_write(queryset, via_copy) == len(cells)
        monkeypatch.setattr(exports, "copy_supported", lambda *args: False)
        via_python = io.BytesIO()
        assert exports.csv_write(queryset, via_python) == len(cells)
    assert via_copy.getvalue() == via_python.getvalue()
    assert b'"new\nline"' in via_copy.getvalue() and via_copy.getvalue().count(b"\r\n") == len(cells) + 2


def test_amounts_as_text_are_the_decimal_ones():
    for amount in (0, 1, 9, 10, 999, 1_000, 10_500, 10**15 + 1, -1, -10_500):
        for exponent in (0, 2, 3, 4):
            expected = f"{Decimal(amount).scaleb(-exponent):.{exponent}f}"
            assert exports.decimal_text(amount, exponent) == expected
            assert exports.decimal_text(amount, exponent, ",") == expected.replace(".", ",")


def test_a_search_that_cannot_match_exports_just_the_header(viewer_client, orders):
    # An incomplete card number makes the search match nothing (no query at all is run).
    header, *rows = csv_rows(export(viewer_client, "csv", "card_last4=12"))
    assert header[0] == "Order reference" and rows == []
    response = export(viewer_client, "xlsx", "card_last4=12")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the rows are converted by hand on SQLite only")
def test_the_rows_fetched_for_an_export_are_the_orms(merchant, orders):
    """raw_chunks converts SQLite's values itself: the same rows as values_list (the id as text)."""
    remit_at = timezone.make_aware(datetime(2025, 3, 12, 22, 0, 0, 123_456))
    make_order(merchant=merchant, status=OrderStatus.DEPOSITED, remitted_at=remit_at, order_number="EXP-R")
    queryset = export_jobs.export_queryset(merchant=merchant, query="")
    fetched = [row for chunk in exports.raw_chunks(queryset) for row in chunk]
    expected = [(row[0], str(row[1]), *row[2:]) for row in queryset.values_list(*exports.FIELDS)]
    assert [(row[0], str(row[1]), *row[2:]) for row in fetched] == expected and len(expected) == 4
    remitted = next(row for row in fetched if row[0] == "EXP-R")
    assert remitted[exports.FIELDS.index("sale__remitted_at")] == remit_at
    assert all(row[2].tzinfo is not None for row in fetched)
